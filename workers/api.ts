/**
 * The contract between a front end (the Deno CLI, later the browser lab) and the trainer worker. The
 * worker exposes an object implementing TrainerApi with comlink; front ends wrap<TrainerApi>() it.
 * Byte arrays cross with comlink.transfer, callbacks with comlink.proxy.
 */
import type { RunConfig } from "../core/config/fields.ts";
import type { GroupLog } from "../core/grpo/step_metrics.ts";

export type { GroupLog };

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
  /** The files' paths, for the worker's error messages; absent: "checkpoint config.json" and so on. */
  source?: { configJson: string; safetensors: string };
}

/**
 * Everything a GRPO run needs to continue exactly where it stopped: the policy, AdamW's moments and
 * step counts, and TrainProgress (step = data position, the sampler's state, the reward weights in
 * force, the resolved config).
 */
export interface TrainState {
  model: CheckpointFiles;
  /** AdamW state as safetensors ("<param>.exp_avg", "<param>.exp_avg_sq", "<param>.step"). */
  optimizer: Uint8Array;
  /** JSON of TrainProgress. */
  progressJson: string;
}

export interface TrainProgress {
  /** Steps done; also the data position (step s reads samples s * B .. s * B + B - 1). */
  step: number;
  /** Rng.state of the rollout sampler. */
  rngState: number;
  rewardWeights: number[];
  config: RunConfig;
}

/** One GRPO step's metric event and its groups (for samples.jsonl). */
export interface GrpoStepReport {
  metrics: Metrics;
  groups: GroupLog[];
  /** What the rewards said for the first time this run (e.g. "explanation: the CLIP part is off"). */
  said: string[];
  /** The reward weights this step's totals were computed with (setRewardWeights takes effect per step). */
  rewardWeights: number[];
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
  /** Things to say once: a reference model kept, where rewards are scored, a resumed step. */
  notes: string[];
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
  /**
   * Chooses the backend, loads the tokenizer and image processor, builds or loads the model. For GRPO,
   * `checkpoint` is the starting policy (and the reference when beta > 0); `resume` continues a run.
   * `dataFiles` holds config.dataset and its images by path (files picked in a browser); without it
   * the data set is read through fetch.
   */
  init(
    config: RunConfig,
    assets: Assets,
    checkpoint?: CheckpointFiles,
    resume?: TrainState,
    dataFiles?: ReadonlyMap<string, Blob>,
  ): Promise<InitInfo>;
  /** One SFT optimizer step (with its accumulated micro-batches); returns that step's metrics. */
  sftStep(): Promise<Metrics>;
  /** One GRPO step: rollout, rewards, advantages, num_iterations updates. */
  grpoStep(): Promise<GrpoStepReport>;
  /** Reward weights from the next step on, one per reward_funcs entry. */
  setRewardWeights(weights: number[]): Promise<void>;
  /** The state a `--resume` continues from. */
  saveTrainState(): Promise<TrainState>;
  /** Generates for n held-out samples and scores them; onProgress(done, total) after each batch. */
  evaluate(options: EvalOptions, onProgress?: (done: number, total: number) => void): Promise<EvalReport>;
  saveCheckpoint(): Promise<CheckpointFiles>;
  /**
   * For tests and to try the recovery: destroys the webgpu backend's GPU device, a real loss (the next
   * GPU work fails with "the GPU device was lost (destroyed: ...)"). Resolves with the loss's reason;
   * rejects when the backend is not webgpu.
   */
  debugLoseDevice(): Promise<string>;
  /** Live tfjs tensors, to check for leaks. */
  numTensors(): Promise<number>;
  dispose(): Promise<void>;
}
