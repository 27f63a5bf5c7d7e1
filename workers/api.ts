/**
 * The contract between a front end (the Deno CLI, later the browser lab) and the trainer worker. The
 * worker exposes an object implementing TrainerApi with comlink; front ends wrap<TrainerApi>() it.
 * Byte arrays cross with comlink.transfer, callbacks with comlink.proxy.
 */
import type { RunConfig } from "../core/config/fields.ts";

/** Where the worker finds the files that public/ holds: a file: URL under Deno, the app's base URL in a browser. */
export interface Assets {
  /** Base URL of public/ (ends with "/"). */
  publicBase: string;
  /** Base URL of tfjs-backend-wasm's .wasm files (ends with "/"). */
  wasmBase: string;
}

/** A checkpoint as files: the model's config.json text and its model.safetensors bytes. */
export interface CheckpointFiles {
  configJson: string;
  safetensors: Uint8Array;
}

/** What init() found and built. */
export interface InitInfo {
  backend: string;
  /** The WebGPU adapter's description, "" when there is none. */
  adapter: string;
  softwareAdapter: boolean;
  /** The one line that says which backend runs and why. */
  backendNote: string;
  parameters: number;
  vocabSize: number;
  /** Where the weights came from: "fresh init (seed N)" or the checkpoint's name. */
  weights: string;
}

/** One metrics record: step, then numbers named as TRL names them. */
export type Metrics = { step: number } & Record<string, number>;

/** A completion and its scores, as eval writes it to predictions.jsonl. */
export interface Prediction {
  id: string;
  task: string;
  prompt: string;
  solution: string;
  completion: string;
  format: number;
  accuracy: number;
  /** IoU of the predicted box with the ground truth, for grounding samples. */
  iou?: number;
  truncated: boolean;
}

export interface EvalReport {
  n: number;
  /** Per task and "all": format rate, accuracy and (grounding) mean IoU. */
  summary: Record<string, { n: number; format_rate: number; accuracy: number; mean_iou?: number }>;
  predictions: Prediction[];
  tokens: number;
  seconds: number;
}

export interface EvalOptions {
  task: RunConfig["task"];
  n: number;
  /** Seed of the held-out scenes. */
  seed: number;
  /** Prompts per generation batch. */
  batchSize: number;
}

export interface TrainerApi {
  /** Chooses the backend, loads the tokenizer and image processor, builds or loads the model. */
  init(config: RunConfig, assets: Assets, checkpoint?: CheckpointFiles): Promise<InitInfo>;
  /** One SFT optimizer step (with its accumulated micro-batches); returns that step's metrics. */
  sftStep(): Promise<Metrics>;
  /** Generates for n held-out samples and scores them; onProgress(done, total) after each batch. */
  evaluate(options: EvalOptions, onProgress?: (done: number, total: number) => void): Promise<EvalReport>;
  saveCheckpoint(): Promise<CheckpointFiles>;
  /** Live tfjs tensors, to check for leaks. */
  numTensors(): Promise<number>;
  dispose(): Promise<void>;
}
