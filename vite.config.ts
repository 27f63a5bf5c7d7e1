/**
 * Vite builds and serves the browser lab from app/web. public/ (tokenizer, image-processor config, the
 * shipped checkpoint) is served as is at the site root, the same files Deno reads from disk, and
 * tfjs-backend-wasm's binaries at wasm/. Workers are ES modules, as the trainer worker imports tfjs and
 * Transformers.js. `npm start` builds into dist/ and serves it with app/cli/serve_web.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { defineConfig, type Plugin } from "vite";

/** tfjs-backend-wasm's .wasm binaries, emitted as wasm/NAME so that the trainer worker can set its wasm path. */
function tfjsWasmFiles(): Plugin {
  const dir = new URL("./node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url);
  return {
    name: "grpo-lab-tfjs-wasm",
    generateBundle() {
      for (const name of readdirSync(dir).filter((f) => f.endsWith(".wasm"))) {
        this.emitFile({ type: "asset", fileName: `wasm/${name}`, source: readFileSync(new URL(name, dir)) });
      }
    },
  };
}

export default defineConfig({
  root: new URL("./app/web/", import.meta.url).pathname,
  publicDir: new URL("./public/", import.meta.url).pathname,
  base: "./",
  plugins: [tfjsWasmFiles()],
  build: {
    outDir: new URL("./dist/", import.meta.url).pathname,
    emptyOutDir: true,
    target: "es2022",
    // The trainer worker bundles tfjs and Transformers.js (about 3 MB); that is expected, not a warning.
    chunkSizeWarningLimit: 4096,
    // Transformers.js is imported statically by the text pipeline, so clip_similarity's dynamic import of
    // it cannot split it off; it is loaded either way. Timing notes say nothing to a user.
    rolldownOptions: { checks: { ineffectiveDynamicImport: false, pluginTimings: false } },
  },
  worker: {
    format: "es",
    rolldownOptions: { checks: { ineffectiveDynamicImport: false, pluginTimings: false } },
  },
  server: { host: "127.0.0.1", strictPort: false },
  preview: { host: "127.0.0.1" },
});
