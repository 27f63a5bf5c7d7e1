/** public/ and the wasm binaries as file: URLs from this module, for tests that init a TrainerSession. */
import type { Assets } from "../../core/train/init_info.ts";

export const DENO_ASSETS: Assets = {
  publicBase: new URL("../../public/", import.meta.url).href,
  wasmBase: new URL("../../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url).href,
};
