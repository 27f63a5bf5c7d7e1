/**
 * The contract between a front end (the Deno CLI, the browser lab) and the trainer worker. The worker
 * exposes a TrainerSession (core/train/session.ts) with comlink, checked against this interface there;
 * front ends wrap<TrainerApi>() it. Byte arrays cross with comlink.transfer, callbacks with
 * comlink.proxy. The data types it names live in core, beside the code that makes them.
 */
import type { RunConfig } from "../core/config/fields.ts";
import type { EvalOptions, EvalReport } from "../core/eval/evaluate.ts";
import type { GrpoStepReport, Metrics } from "../core/grpo/step_metrics.ts";
import type { Assets, InitInfo } from "../core/train/init_info.ts";
import type { CheckpointFiles, ResumeState, StartingWeights, TrainState } from "../core/train/train_state.ts";

export interface TrainerApi {
  /**
   * Chooses the backend, loads the tokenizer and image processor, builds or loads the model. For GRPO,
   * `checkpoint` is the starting policy (and the reference when beta > 0): a folder the worker streams
   * itself, or a checkpoint's files as bytes (the lab's); `resume` continues a run.
   * `dataFiles` holds config.dataset and its images by path (files picked in a browser); without it
   * the data set is read through fetch.
   */
  init(
    config: RunConfig,
    assets: Assets,
    checkpoint?: StartingWeights,
    resume?: ResumeState,
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
