/**
 * npm start's second half: serves the built lab (dist/, made by `vite build`) on 127.0.0.1 and prints the
 * address. Static files only, no network beyond localhost. A missing file is a 404 (never index.html:
 * Transformers.js would then parse HTML as JSON), and a missing build says how to make one.
 *
 *   deno run -A app/cli/serve_web.ts [--port N] [--dir DIST]
 */
import { parseArgsOrExit } from "./args.ts";

/** Content types of the files a build holds; anything else is served as bytes. */
const TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json; charset=utf-8",
  wasm: "application/wasm",
  svg: "image/svg+xml",
  png: "image/png",
  txt: "text/plain; charset=utf-8",
  safetensors: "application/octet-stream",
};

export function contentType(path: string): string {
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  return TYPES[ext] ?? "application/octet-stream";
}

/**
 * The file path under `root` that a URL path names, or null when it would leave root (".." segments, an
 * encoded slash) or is malformed. "/" and paths ending in "/" name index.html.
 */
export function filePathFor(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const parts = decoded.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.some((p) => p === ".." || p.includes("\\") || p.includes("\0"))) return null;
  if (decoded.endsWith("/") || parts.length === 0) parts.push("index.html");
  return `${root.replace(/\/$/, "")}/${parts.join("/")}`;
}

export interface WebServer {
  /** "http://127.0.0.1:PORT/" */
  url: string;
  shutdown(): Promise<void>;
}

/** Serves `root` on 127.0.0.1:port (0 = a free port). */
export function serveStatic(root: string, port: number): WebServer {
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, async (request) => {
    const path = filePathFor(root, new URL(request.url).pathname);
    if (path === null) return new Response("bad path\n", { status: 400 });
    try {
      // A folder opens like a file on Linux; only plain files are served.
      if (!(await Deno.stat(path)).isFile) throw new Deno.errors.NotFound(path);
      const file = await Deno.open(path, { read: true });
      const { size } = await file.stat();
      return new Response(file.readable, {
        headers: {
          "content-type": contentType(path),
          "content-length": String(size),
          "cache-control": "no-cache",
        },
      });
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
        return new Response(`not found: ${new URL(request.url).pathname}\n`, { status: 404 });
      }
      throw e;
    }
  });
  const { port: bound } = server.addr as Deno.NetAddr;
  return { url: `http://127.0.0.1:${bound}/`, shutdown: () => server.shutdown() };
}

/** dist/ next to this module's project root. */
export const DIST = new URL("../../dist/", import.meta.url).pathname;

/** --port N and --dir DIST through the one parser (args.ts); a bad value is an error naming the flag. */
function parseServeArgs(args: readonly string[]): { port: number; dir: string } {
  const { values } = parseArgsOrExit({
    name: "start",
    summary: "serve the built lab (dist/) on 127.0.0.1",
    values: {
      "--port": { arg: "N", doc: "port to listen on; 0 = a free one; default 5173" },
      "--dir": { arg: "DIST", doc: "the built lab; default dist/" },
    },
    sharedFlags: false,
    config: false,
  }, args);
  const port = values.get("--port")?.[0] ?? "5173";
  if (!/^\d+$/.test(port) || Number(port) > 65535) {
    throw new Error(`--port must be a whole number from 0 to 65535, got "${port}"`);
  }
  return { port: Number(port), dir: values.get("--dir")?.[0] ?? DIST };
}

if (import.meta.main) {
  try {
    const { port, dir } = parseServeArgs(Deno.args);
    try {
      await Deno.stat(`${dir.replace(/\/$/, "")}/index.html`);
    } catch {
      throw new Error(`no build in ${dir}: run \`./node_modules/.bin/vite build\` first (npm start does)`);
    }
    let server: WebServer;
    try {
      server = serveStatic(dir, port);
    } catch (e) {
      if (e instanceof Deno.errors.AddrInUse) {
        throw new Error(`port ${port} is in use: pass --port N (or --port 0 for a free one)`);
      }
      throw e;
    }
    console.log(`grpo-lab: serving ${dir} at ${server.url}`);
    console.log("open that address in a browser with WebGPU (Chrome, Edge); Ctrl-C stops the server");
  } catch (e) {
    console.error(`error: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
}
