/**
 * The page's side of the worker boundary: starts workers/trainer.worker.ts as a module Web Worker (Vite
 * bundles it and the reward worker it starts), wraps it with comlink, and turns a worker that dies into
 * a rejected call with its message instead of a call that never returns.
 */
import * as Comlink from "comlink";
import type { Assets } from "../../core/train/init_info.ts";
import type { TrainerApi } from "../../workers/api.ts";
import { crashAware } from "../../workers/crash_aware.ts";

export interface TrainerConnection {
  api: Comlink.Remote<TrainerApi>;
  /** Rejects when the worker crashes (an error while loading or an uncaught error). */
  crashed: Promise<never>;
  close(): void;
}

/** public/ and the wasm binaries, relative to the page (vite.config.ts puts the latter in wasm/). */
export function pageAssets(baseUri = document.baseURI): Assets {
  return { publicBase: new URL("./", baseUri).href, wasmBase: new URL("./wasm/", baseUri).href };
}

export function connectTrainer(): TrainerConnection {
  const worker = new Worker(new URL("../../workers/trainer.worker.ts", import.meta.url), { type: "module" });
  const { remote, api, crashed } = crashAware<TrainerApi>(worker, "trainer");
  return {
    api,
    crashed,
    close() {
      remote[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
