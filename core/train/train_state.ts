/** What a run saves to continue exactly where it stopped (a checkpoint-N/ folder's contents). */
import type { RunConfig } from "../config/fields.ts";
import type { CheckpointFiles, StartingWeights } from "../../models/qwen2_vl/checkpoint.ts";

export type { CheckpointFiles, StartingWeights };

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

/**
 * A TrainState to resume from, whose policy may also be a folder the worker streams (the CLI's
 * checkpoint-N/); the lab sends the bytes it saved.
 */
export type ResumeState = Omit<TrainState, "model"> & { model: StartingWeights };
