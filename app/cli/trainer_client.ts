/**
 * The Deno side of the worker boundary: starts workers/trainer.worker.ts, wraps it with comlink, and
 * moves checkpoints between disk and the worker.
 */
import * as Comlink from "comlink";
import type { Assets } from "../../core/train/init_info.ts";
import type { CheckpointFiles, StartingWeights } from "../../core/train/train_state.ts";
import type { TrainerApi } from "../../workers/api.ts";
import { crashAware } from "../../workers/crash_aware.ts";
import { messageOf, writeFolderAtomically } from "./out_folder.ts";
import { checkpointTensors } from "../../models/qwen2_vl/checkpoint.ts";
import { configFromText } from "../../models/qwen2_vl/configs.ts";
import { checkShardHeaders } from "../../models/qwen2_vl/pretrained.ts";

/** public/ and the wasm binaries, as file: URLs next to this module (no working directory assumed). */
export const DENO_ASSETS: Assets = {
  publicBase: new URL("../../public/", import.meta.url).href,
  wasmBase: new URL("../../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url).href,
};

/** The shipped starting checkpoint (public/checkpoints/tiny-sft). */
export const SHIPPED_CHECKPOINT = new URL("../../public/checkpoints/tiny-sft/", import.meta.url).pathname;

/** How long close() waits after terminating the worker (see close()). */
const WORKER_SHUTDOWN_MS = 250;

export interface TrainerHandle {
  api: Comlink.Remote<TrainerApi>;
  close(): Promise<void>;
}

/**
 * Starts the trainer in a module Web Worker. A worker that dies (an error while loading, an uncaught
 * error) makes every pending and later call reject with its message instead of waiting forever.
 */
export function startTrainer(
  workerUrl: URL = new URL("../../workers/trainer.worker.ts", import.meta.url),
): TrainerHandle {
  const worker = new Worker(workerUrl.href, { type: "module" });
  const { remote, api, crashed } = crashAware<TrainerApi>(worker, "trainer");
  let closed = false;
  return {
    api,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.race([remote.dispose(), crashed]).catch(() => {});
      remote[Comlink.releaseProxy]();
      worker.terminate();
      // The worker holds a WebGPU adapter (env detection asks for one even on wasm). A process that
      // exits right after terminate() crashes in Deno 2.9's GPU teardown (SIGSEGV in about 1 run of 4
      // here); giving the worker's thread a moment to shut down first avoids it.
      await new Promise((resolve) => setTimeout(resolve, WORKER_SHUTDOWN_MS));
    },
  };
}

/**
 * What `model_name_or_path` (or --checkpoint) names, ready for the worker: a folder (Hugging Face or a
 * run's checkpoint-N/) as its path and config.json's text, which the worker streams itself; or a
 * .safetensors file beside its config.json, read as bytes (readCheckpointFiles). Relative paths resolve
 * against the working directory, then the project root. config.json and every safetensors header are
 * checked here (headers only: a few KB each), so a malformed or truncated file is an error naming it
 * before any worker starts; the weights' values are checked as the worker streams them.
 */
export async function readCheckpoint(given: string): Promise<StartingWeights> {
  const path = await resolveProjectPath(given);
  if (path.endsWith(".safetensors")) return await readCheckpointFiles(given);
  const { dir } = await checkpointPath(given, path);
  const configJson = await readNamed(`${dir}config.json`, Deno.readTextFile);
  configFromText(configJson, `${dir}config.json`);
  const folder = (dir.startsWith("/") ? dir : `${Deno.cwd()}/${dir}`).replace(/\/+$/, "");
  await checkShardHeaders(folder);
  return { folder, configJson };
}

/**
 * A checkpoint folder (config.json + model.safetensors) or a .safetensors file with config.json beside
 * it, read whole as bytes and checked as the trainer will: config.json parses and its fields agree, the
 * safetensors file is whole and its weights finite. Every error names the file. For the lab's own
 * checkpoints (resume, the shipped one), which are small.
 */
export async function readCheckpointFiles(given: string): Promise<CheckpointFiles> {
  const path = await resolveProjectPath(given);
  const { dir, isFile } = await checkpointPath(given, path);
  const source = { configJson: `${dir}config.json`, safetensors: isFile ? path : `${dir}model.safetensors` };
  const files = {
    configJson: await readNamed(source.configJson, Deno.readTextFile),
    safetensors: await readNamed(source.safetensors, Deno.readFile),
    source,
  };
  configFromText(files.configJson, source.configJson);
  checkpointTensors(files.safetensors, source.safetensors);
  return files;
}

/** The checkpoint's folder (ending in "/") and whether a .safetensors file was named. */
async function checkpointPath(given: string, path: string): Promise<{ dir: string; isFile: boolean }> {
  const isFile = path.endsWith(".safetensors");
  const info = await Deno.stat(path).catch((e) => {
    if (e instanceof Deno.errors.NotFound) throw new Error(`checkpoint ${given} does not exist`);
    throw new Error(`cannot read checkpoint ${given}: ${messageOf(e)}`);
  });
  if (!isFile && !info.isDirectory) {
    throw new Error(
      `checkpoint ${given} is a file: give its folder (config.json + model.safetensors) or a .safetensors file`,
    );
  }
  return { dir: isFile ? path.replace(/[^/]*$/, "") || "./" : path.replace(/\/?$/, "/"), isFile };
}

/** Reads `file`; a missing one is "FILE is missing", any other failure names it too. */
async function readNamed<T>(file: string, f: (p: string) => Promise<T>): Promise<T> {
  try {
    return await f(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`${file} is missing`);
    throw new Error(`cannot read ${file}: ${messageOf(e)}`);
  }
}

/** The project's root folder (where public/ is), as a path ending in "/". */
export const PROJECT_ROOT = new URL("../../", import.meta.url).pathname;

/**
 * A relative path as given when it exists from the working directory, else from the project root, so
 * that a config's "public/checkpoints/tiny-sft" works from any folder.
 */
export async function resolveProjectPath(path: string): Promise<string> {
  if (path.startsWith("/")) return path;
  try {
    await Deno.stat(path);
    return path;
  } catch {
    const fromRoot = PROJECT_ROOT + path;
    try {
      await Deno.stat(fromRoot);
      return fromRoot;
    } catch {
      return path; // reported as missing under the name the user gave
    }
  }
}

/** Writes config.json + model.safetensors as the folder dir, whole or not at all (out_folder.ts). */
export async function writeCheckpoint(dir: string, files: CheckpointFiles): Promise<void> {
  await writeFolderAtomically(dir, {
    "config.json": files.configJson,
    "model.safetensors": files.safetensors,
  });
}
