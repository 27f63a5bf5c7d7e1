/**
 * Imported first by workers started from a file: URL (Deno). Transformers.js resolves its ONNX
 * runtime's URL against location.origin, which is "null" in such a worker, and `new URL(x, "null")`
 * throws while the module loads. Hiding location there lets it load; nothing in the lab reads it.
 * ES modules evaluate in import order, so this runs before Transformers.js does.
 */
if (globalThis.location?.protocol === "file:") {
  Object.defineProperty(globalThis, "location", { value: undefined, configurable: true });
}
