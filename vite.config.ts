/**
 * Vite builds and serves the browser lab from app/web. public/ (tokenizer, image-processor config, the
 * shipped checkpoint) is served as is at the site root, the same files Deno reads from disk. Workers are
 * ES modules, as the trainer worker imports tfjs and Transformers.js.
 */
import { defineConfig } from "vite";

export default defineConfig({
  root: new URL("./app/web/", import.meta.url).pathname,
  publicDir: new URL("./public/", import.meta.url).pathname,
  base: "./",
  build: {
    outDir: new URL("./dist/", import.meta.url).pathname,
    emptyOutDir: true,
    target: "es2022",
  },
  worker: { format: "es" },
  server: { host: "127.0.0.1", strictPort: false },
  preview: { host: "127.0.0.1" },
});
