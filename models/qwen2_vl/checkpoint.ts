/**
 * Qwen2VLModel <-> safetensors bytes, with HF parameter names. Loading checks what it reads (the
 * safetensors file, config.json's fields, finite weights) and names the file in every error.
 */
import type { Qwen2VLConfig } from "./config.ts";
import { checkNamedModel, configFromText } from "./configs.ts";
import { Qwen2VLModel } from "./model.ts";
import { loadPretrained } from "./pretrained.ts";
import { blobFolder } from "../files.ts";
import { readSafetensors, type SafeTensor, writeSafetensors } from "../safetensors.ts";

/** All parameters as F32 safetensors, in checkpoint order. Async: reads back from the GPU with data(). */
export async function modelToSafetensors(
  model: Qwen2VLModel,
  metadata: Record<string, string> = {},
): Promise<Uint8Array> {
  const tensors = new Map<string, SafeTensor>();
  for (const [name, v] of model.params) {
    tensors.set(name, { shape: v.shape, data: (await v.data()) as Float32Array });
  }
  return writeSafetensors(tensors, { format: "pt", ...metadata });
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The tensors of a model.safetensors read from `file` (a path or a label, for the messages). A
 * malformed file, or a weight that is NaN or infinite, is an error naming the file and the tensor: a
 * NaN weight would otherwise surface far away, as a sampled token id that is not a number.
 */
export function checkpointTensors(bytes: Uint8Array, file: string): Map<string, SafeTensor> {
  let tensors: Map<string, SafeTensor>;
  try {
    tensors = readSafetensors(bytes).tensors;
  } catch (e) {
    throw new Error(`${file}: ${messageOf(e)}`);
  }
  for (const [name, t] of tensors) {
    const data = t.data;
    for (let i = 0; i < data.length; i++) {
      // x - x is 0 for every finite x, and NaN for NaN and ±Infinity: one test in the loop.
      if (data[i] - data[i] !== 0) {
        throw new Error(
          `${file}: tensor ${name} holds ${data[i]} at element ${i}; the checkpoint is damaged`,
        );
      }
    }
  }
  return tensors;
}

/** A model from safetensors bytes (F32, F16 or BF16); names and shapes must match the config exactly. */
export function modelFromSafetensors(
  config: Qwen2VLConfig,
  bytes: Uint8Array,
  file = "model.safetensors",
): Qwen2VLModel {
  const tensors = checkpointTensors(bytes, file);
  try {
    return Qwen2VLModel.fromTensors(config, tensors);
  } catch (e) {
    throw new Error(`${file}: ${messageOf(e)}`);
  }
}

/** Where a checkpoint's two files came from, for error messages. */
export interface CheckpointSource {
  configJson: string;
  safetensors: string;
}

/** A checkpoint as files: the model's config.json text and its model.safetensors bytes. */
export interface CheckpointFiles {
  configJson: string;
  safetensors: Uint8Array;
  /** The files' paths, for the worker's error messages; absent: "checkpoint config.json" and so on. */
  source?: CheckpointSource;
}

/** The names used when a checkpoint does not say where it came from (`what`: "checkpoint", ...). */
export function unnamedSource(what: string): CheckpointSource {
  return { configJson: `${what} config.json`, safetensors: `${what} model.safetensors` };
}

/**
 * A model from a checkpoint's config.json and model.safetensors, each error naming its file. `model` is
 * RunConfig's model=NAME: a checkpoint of another shape is an error naming both, before any weight is
 * decoded; `vocabIds` is the task vocabulary that tiny stands for.
 */
export function modelFromCheckpoint(
  files: CheckpointFiles,
  what = "checkpoint",
  model = "auto",
  vocabIds: readonly number[] = [],
): Qwen2VLModel {
  const source = files.source ?? unnamedSource(what);
  const config = configFromText(files.configJson, source.configJson);
  checkNamedModel(model, config, source.configJson, vocabIds);
  return modelFromSafetensors(config, files.safetensors, source.safetensors);
}

/**
 * A checkpoint folder the loader opens itself (Hugging Face or one of the lab's): its path, and its
 * config.json's text, which the front end has read already (to check it and plan the run's memory).
 * Its weights never cross a worker boundary as bytes: the worker streams them (loadPretrained).
 */
export interface CheckpointFolder {
  folder: string;
  configJson: string;
}

/**
 * A folder picked in a browser: its files by name (Blobs cross a worker boundary by reference, not by
 * copy), read tensor by tensor with Blob.slice in the worker.
 */
export interface CheckpointBlobs {
  blobs: ReadonlyMap<string, Blob>;
  /** The picked folder's name, for messages. */
  label: string;
  configJson: string;
}

/** What a run starts from: a folder to stream (a path, or picked files), or a checkpoint's two files as bytes. */
export type StartingWeights = CheckpointFiles | CheckpointFolder | CheckpointBlobs;

export function isCheckpointFolder(w: StartingWeights): w is CheckpointFolder {
  return "folder" in w;
}

function isCheckpointBlobs(w: StartingWeights): w is CheckpointBlobs {
  return "blobs" in w;
}

/**
 * The model of `weights`: a folder (a path, or a browser's picked files) through loadPretrained
 * (streamed; its notes are returned), bytes through modelFromCheckpoint; either way `model` (RunConfig's
 * model=NAME) must match it.
 */
export async function loadStartingWeights(
  weights: StartingWeights,
  what = "checkpoint",
  model = "auto",
  vocabIds: readonly number[] = [],
): Promise<{ model: Qwen2VLModel; notes: string[] }> {
  if (!isCheckpointFolder(weights) && !isCheckpointBlobs(weights)) {
    return { model: modelFromCheckpoint(weights, what, model, vocabIds), notes: [] };
  }
  const label = isCheckpointFolder(weights) ? weights.folder.replace(/\/+$/, "") : weights.label;
  const configFile = `${label}/config.json`;
  checkNamedModel(model, configFromText(weights.configJson, configFile), configFile, vocabIds);
  const loaded = await loadPretrained(
    isCheckpointFolder(weights) ? weights.folder : blobFolder(weights.blobs, weights.label),
  );
  return { model: loaded.model, notes: loaded.notes };
}
