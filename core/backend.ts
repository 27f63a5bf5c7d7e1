/**
 * Chooses and initialises the tfjs backend: webgpu on a hardware adapter, else wasm, else cpu. A
 * software WebGPU adapter (llvmpipe, SwiftShader) is slower than wasm for our models, so it is used only
 * when asked for. The choice is said once, in one line; a requested backend that fails is an error.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-webgpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { type AdapterFacts, detectEnv, type Env } from "./env.ts";

export const BACKEND_NAMES = ["webgpu", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendOptions {
  /** Use this backend instead of choosing; "auto" (or absent) chooses. */
  override?: BackendName | "auto";
  /**
   * Folder (URL ending in "/") holding tfjs-backend-wasm's .wasm files. The browser app passes its own;
   * under Deno it defaults to the copy in node_modules. Without it in a browser, tfjs looks next to its
   * own script.
   */
  wasmPaths?: string;
  /** Where the one line about the choice goes; console.error by default. */
  log?: (line: string) => void;
}

export interface BackendChoice {
  backend: BackendName;
  adapter: AdapterFacts | null;
  /** The line that was logged, without the "backend: NAME" head. */
  reason: string;
}

export class BackendError extends Error {
  override name = "BackendError";
}

/** node_modules relative to this module; only meaningful where the repository is on disk (Deno). */
const DENO_WASM_PATHS = new URL("../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url).href;

async function trySetBackend(name: BackendName, wasmPaths: string | undefined): Promise<string | null> {
  try {
    if (name === "wasm" && wasmPaths) setWasmPaths(wasmPaths);
    if (!(await tf.setBackend(name))) return `tf.setBackend("${name}") returned false`;
    await tf.ready();
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function adapterPhrase(adapter: AdapterFacts): string {
  return `WebGPU adapter "${adapter.name}"${adapter.software ? " is a software adapter" : ""}`;
}

/** The reason text for a backend the caller asked for. */
function requestedReason(name: BackendName, adapter: AdapterFacts | null): string {
  if (name !== "webgpu" || !adapter) return "requested";
  if (adapter.software) return `requested; ${adapterPhrase(adapter)}, expect it to be slower than wasm`;
  return `requested; ${adapterPhrase(adapter)}`;
}

/** Initialises the backend that `options` and the environment call for, and says which in one line. */
export async function initBackend(options: BackendOptions = {}): Promise<BackendChoice> {
  const log = options.log ?? ((line: string) => console.error(line));
  const override = options.override ?? "auto";
  if (override !== "auto" && !(BACKEND_NAMES as readonly string[]).includes(override)) {
    throw new BackendError(
      `unknown backend "${override}": use one of auto, ${BACKEND_NAMES.join(", ")}`,
    );
  }
  const env: Readonly<Env> = await detectEnv();
  const wasmPaths = options.wasmPaths ?? (env.deno ? DENO_WASM_PATHS : undefined);
  const adapter = env.adapter;

  const finish = (backend: BackendName, reason: string): BackendChoice => {
    log(`backend: ${backend} (${reason})`);
    return { backend, adapter, reason };
  };

  if (override !== "auto") {
    if (override === "webgpu" && !adapter) {
      throw new BackendError(
        `backend webgpu was requested but ${
          env.webgpuApi ? "no WebGPU adapter is available" : "this runtime has no WebGPU"
        }`,
      );
    }
    const failure = await trySetBackend(override, wasmPaths);
    if (failure) throw new BackendError(`backend ${override} was requested but failed to start: ${failure}`);
    return finish(override, requestedReason(override, adapter));
  }

  // Automatic choice: every step down is said in the one line.
  const notes: string[] = [];
  if (!adapter) {
    notes.push(env.webgpuApi ? "no WebGPU adapter" : "no WebGPU in this runtime");
  } else if (adapter.software) {
    notes.push(`${adapterPhrase(adapter)}; use --backend webgpu to train on it anyway`);
  } else {
    const failure = await trySetBackend("webgpu", wasmPaths);
    if (!failure) return finish("webgpu", adapterPhrase(adapter));
    notes.push(`${adapterPhrase(adapter)} failed to start: ${failure}`);
  }
  const wasmFailure = await trySetBackend("wasm", wasmPaths);
  if (!wasmFailure) return finish("wasm", notes.join("; "));
  notes.push(`wasm failed to start: ${wasmFailure}`);
  const cpuFailure = await trySetBackend("cpu", wasmPaths);
  if (cpuFailure) {
    throw new BackendError(`no tfjs backend could start: ${notes.join("; ")}; cpu: ${cpuFailure}`);
  }
  return finish("cpu", notes.join("; "));
}
