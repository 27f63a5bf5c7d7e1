/**
 * The browser lab for e2e tests: `vite build` into a temporary folder, served by app/cli/serve_web.ts on
 * 127.0.0.1, opened in Debian's Chromium (SwiftShader gives it a software WebGPU adapter) with the flags
 * from ENVIRONMENT.md. Screenshots go to runs/e2e/ (kept as test artifacts).
 */
import { Buffer } from "node:buffer";
import { type Browser, chromium, type Page } from "playwright-core";
import { serveStatic, type WebServer } from "../../app/cli/serve_web.ts";
import type { GrpoLabApi } from "../../app/web/lab_api.ts";

declare global {
  var grpoLab: GrpoLabApi;
}

const ROOT = new URL("../../", import.meta.url).pathname;

/** Where the screenshots go: runs/e2e/ under the project. */
export const SCREENS = `${ROOT}runs/e2e/`;

export const CHROMIUM = Deno.env.get("GRPO_LAB_CHROMIUM") ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--enable-unsafe-webgpu",
  "--use-webgpu-adapter=swiftshader",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Builds the lab with Vite (under Node, as npm start does) into a new temporary folder. */
export async function buildLab(): Promise<string> {
  const out = await Deno.makeTempDir({ prefix: "grpo-lab-dist-" });
  const result = await new Deno.Command(`${ROOT}node_modules/.bin/vite`, {
    args: ["build", "--logLevel", "warn", "--outDir", out, "--emptyOutDir"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(result.stderr) + new TextDecoder().decode(result.stdout);
  if (!result.success) throw new Error(`vite build failed:\n${text}`);
  return out;
}

export interface Lab {
  server: WebServer;
  browser: Browser;
  page: Page;
  /** Page errors and console errors seen so far. */
  consoleErrors: string[];
  close(): Promise<void>;
}

/** Serves `dist` and opens it in Chromium; fails with what to install when Chromium is missing. */
export async function openLab(dist: string): Promise<Lab> {
  try {
    await Deno.stat(CHROMIUM);
  } catch {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium; .ci/run does)`,
    );
  }
  const server = serveStatic(dist, 0);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const consoleErrors: string[] = [];
  page.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  await page.goto(server.url);
  await page.evaluate(() => globalThis.grpoLab.ready);
  return {
    server,
    browser,
    page,
    consoleErrors,
    async close() {
      await browser.close();
      await server.shutdown();
    },
  };
}

/** A screenshot of the whole page into runs/e2e/NAME.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await Deno.mkdir(SCREENS, { recursive: true });
  const path = `${SCREENS}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A file for an <input type="file">, as Playwright's setInputFiles takes it. */
export function fileOf(name: string, mimeType: string, text: string) {
  return { name, mimeType, buffer: Buffer.from(text) };
}

/** A screenshot of one element into runs/e2e/NAME.png; returns its path. */
export async function elementShot(page: Page, selector: string, name: string): Promise<string> {
  await Deno.mkdir(SCREENS, { recursive: true });
  const path = `${SCREENS}${name}.png`;
  await page.locator(selector).screenshot({ path });
  return path;
}
