/**
 * Wraps a worker with comlink so that a worker that dies (an error while loading, an uncaught error, a
 * message that cannot be read) makes every pending and later call reject with that reason instead of
 * waiting forever. Shared by the Deno CLI (app/cli/trainer_client.ts) and the page
 * (app/web/trainer_connection.ts).
 */
import * as Comlink from "comlink";

export interface CrashAware<T> {
  /** The plain comlink proxy, for releaseProxy and for calls made while closing. */
  remote: Comlink.Remote<T>;
  /** The same proxy, each call raced against `crashed`. */
  api: Comlink.Remote<T>;
  /** Rejects when the worker crashes. */
  crashed: Promise<never>;
}

export function crashAware<T>(worker: Worker, name: string): CrashAware<T> {
  let fail: (e: Error) => void = () => {};
  const crashed = new Promise<never>((_, reject) => (fail = reject));
  crashed.catch(() => {}); // observed through the calls below and by their callers
  worker.addEventListener("error", (e) => {
    e.preventDefault();
    fail(new Error(`the ${name} worker crashed: ${e.message || "it failed to load"}`));
  });
  worker.addEventListener(
    "messageerror",
    () => fail(new Error(`the ${name} worker sent a message that could not be read`)),
  );
  const remote = Comlink.wrap<T>(worker);
  const api = new Proxy(remote, {
    get(target, prop) {
      const member = Reflect.get(target, prop);
      if (typeof prop === "symbol" || prop === "then") return member;
      return (...args: unknown[]) =>
        Promise.race([(member as (...a: unknown[]) => Promise<unknown>)(...args), crashed]);
    },
  });
  return { remote, api, crashed };
}
