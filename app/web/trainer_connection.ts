/**
 * The page's side of the worker boundary: starts workers/trainer.worker.ts as a module Web Worker (Vite
 * bundles it and the reward worker it starts), wraps it with comlink, and turns a worker that dies into
 * a rejected call with its message instead of a call that never returns.
 */
import * as Comlink from "comlink";
import type { Assets, TrainerApi } from "../../workers/api.ts";

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
  let fail: (e: Error) => void = () => {};
  const crashed = new Promise<never>((_, reject) => (fail = reject));
  crashed.catch(() => {}); // observed through the calls below and by the store
  worker.addEventListener("error", (e) => {
    e.preventDefault();
    fail(new Error(`the trainer worker crashed: ${e.message || "it failed to load"}`));
  });
  worker.addEventListener(
    "messageerror",
    () => fail(new Error("the trainer worker sent a message that could not be read")),
  );
  const remote = Comlink.wrap<TrainerApi>(worker);
  const api = new Proxy(remote, {
    get(target, prop) {
      const member = Reflect.get(target, prop);
      if (typeof prop === "symbol" || prop === "then") return member;
      return (...args: unknown[]) =>
        Promise.race([(member as (...a: unknown[]) => Promise<unknown>)(...args), crashed]);
    },
  });
  return {
    api,
    crashed,
    close() {
      remote[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
