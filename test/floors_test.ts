/**
 * The floors of the source tree (README "Layout"): app -> workers -> core -> models, every import pointing
 * down, and no import cycle. Read from the files themselves, so a new import that breaks a rule fails here.
 */
import { assertEquals } from "./assert.ts";

const ROOT = new URL("../", import.meta.url);
const FLOORS = ["app", "workers", "core", "models"] as const;
type Floor = typeof FLOORS[number];

/** Every .ts file under the four floors, as paths from the repository root ("core/grpo/step.ts"). */
function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(new URL(dir, ROOT))) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) walk(path);
      else if (e.isFile && e.name.endsWith(".ts")) out.push(path);
    }
  };
  for (const floor of FLOORS) walk(floor);
  return out.sort();
}

/** Static imports and re-exports (`import ... from "x"`, `export ... from "x"`, `import "x"`, `import("x")`). */
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*"([^"]+)"|(?:^|\n)\s*import\s*"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g;

/** The repository paths that `file` imports (relative specifiers only; npm packages are outside). */
export function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  // Comments may quote imports ("see `import ... from`"); drop them first.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
  for (const m of code.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec.startsWith(".")) continue;
    out.push(new URL(spec, new URL(file, ROOT)).pathname.slice(ROOT.pathname.length));
  }
  return out;
}

const floorOf = (path: string) => path.split("/")[0] as Floor;

/** What each floor may not import: anything above it. */
const FORBIDDEN: Record<Floor, Floor[]> = {
  app: [],
  workers: ["app"],
  core: ["workers", "app"],
  models: ["core", "workers", "app"],
};

function graph(): Map<string, string[]> {
  return new Map(sourceFiles().map((f) => [f, importsOf(f, Deno.readTextFileSync(new URL(f, ROOT)))]));
}

/** One cycle per strongly connected set of files, each as a path a -> b -> ... -> a. */
function cycles(edges: Map<string, string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (!edges.has(next)) continue;
      if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next].join(" -> "));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return found;
}

Deno.test("importsOf() finds imports, re-exports, side-effect and dynamic imports, and skips comments", () => {
  const text = [
    'import * as tf from "@tensorflow/tfjs";',
    'import type { A } from "../a.ts";',
    "import {\n  b,\n  c,\n} from './x.ts';",
    'export { d } from "./d.ts";',
    'import "./shim.ts";',
    'const m = await import("../../models/m.ts");',
    '// import { no } from "./comment.ts";',
    '/** import { no } from "./doc.ts"; */',
  ].join("\n");
  assertEquals(importsOf("core/grpo/step.ts", text), [
    "core/a.ts",
    "core/grpo/d.ts",
    "core/grpo/shim.ts",
    "models/m.ts",
  ]);
});

Deno.test("every import points down a floor: core imports no workers/ or app/, models no core/", () => {
  const broken: string[] = [];
  for (const [file, imports] of graph()) {
    for (const target of imports) {
      if (FORBIDDEN[floorOf(file)].includes(floorOf(target))) broken.push(`${file} imports ${target}`);
    }
  }
  assertEquals(broken, []);
});

Deno.test("the source tree has no import cycle", () => {
  assertEquals(cycles(graph()), []);
});

Deno.test("tests of core and models import no app/ code (shared fixtures live in test/helpers)", () => {
  const broken: string[] = [];
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(new URL(dir, ROOT))) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) walk(path);
      else if (e.name.endsWith(".ts")) {
        for (const target of importsOf(path, Deno.readTextFileSync(new URL(path, ROOT)))) {
          if (floorOf(target) === "app") broken.push(`${path} imports ${target}`);
        }
      }
    }
  };
  walk("test/core");
  walk("test/models");
  assertEquals(broken, []);
});
