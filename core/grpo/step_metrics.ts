/**
 * The step's metric event, named as TRL names them, and the per-group sample log (samples.jsonl).
 */
import type { Sample } from "../data/sample.ts";
import { maxOf, minOf } from "../extremes.ts";
import { meanStd, type RewardValue } from "../rewards/registry.ts";
import type { Rollout } from "../rollout/generate.ts";

/** One metrics record: step, then numbers named as TRL names them. */
export type Metrics = { step: number } & Record<string, number>;

/** What the update stage measured, averaged over its passes: loss, clip fractions, kl, entropy. */
export type UpdateStats = { gradNorm: number } & Record<string, number>;

/** Every field of one step's event, in the order they are written. */
export const METRIC_NAMES = [
  "reward",
  "reward_std",
  "frac_reward_zero_std",
  "kl",
  "loss",
  "entropy",
  "clip_ratio/low_mean",
  "clip_ratio/high_mean",
  "clip_ratio/region_mean",
  "completions/mean_length",
  "completions/min_length",
  "completions/max_length",
  "completions/clipped_ratio",
  "grad_norm",
  "learning_rate",
  "time/rollout_s",
  "time/reward_s",
  "time/update_s",
  "throughput/rollout_tokens_per_s",
] as const;

export interface StepMetricsInput {
  step: number;
  names: readonly string[];
  /** [F][N] per-function rewards. */
  scores: RewardValue[][];
  /** [N] weighted totals. */
  totals: Float32Array;
  numGenerations: number;
  zeroStd: number;
  rollout: Rollout;
  update: UpdateStats;
  learningRate: number;
  times: { rollout: number; reward: number; update: number };
}

/**
 * One event: reward (mean total), reward_std (mean over groups of each group's std, as TRL), then each
 * function's rewards/NAME/mean and /std over the rows where it applies. kl is NaN (written as null)
 * when beta = 0, since there is no reference model to measure it against.
 */
export function stepMetrics(x: StepMetricsInput): Metrics {
  const G = x.numGenerations;
  const totals = Array.from(x.totals);
  const groupStds: number[] = [];
  for (let start = 0; start < totals.length; start += G) {
    groupStds.push(meanStd(totals.slice(start, start + G)).std);
  }
  const lengths = x.rollout.completionIds.map((ids) => ids.length);
  const perFunction: Record<string, number> = {};
  x.names.forEach((name, f) => {
    const { mean, std } = meanStd(x.scores[f]);
    perFunction[`rewards/${name}/mean`] = mean;
    perFunction[`rewards/${name}/std`] = std;
  });
  const u = x.update;
  return {
    step: x.step,
    reward: meanStd(totals).mean,
    reward_std: groupStds.reduce((a, b) => a + b, 0) / groupStds.length,
    ...perFunction,
    frac_reward_zero_std: x.zeroStd,
    kl: u.kl ?? NaN,
    loss: u.loss,
    entropy: u.entropy,
    "clip_ratio/low_mean": u["clip_ratio/low_mean"],
    "clip_ratio/high_mean": u["clip_ratio/high_mean"],
    "clip_ratio/region_mean": u["clip_ratio/region_mean"],
    "completions/mean_length": lengths.reduce((a, b) => a + b, 0) / lengths.length,
    "completions/min_length": minOf(lengths),
    "completions/max_length": maxOf(lengths),
    "completions/clipped_ratio": x.rollout.truncated.filter(Boolean).length / x.rollout.rows,
    grad_norm: u.gradNorm,
    learning_rate: x.learningRate,
    "time/rollout_s": x.times.rollout,
    "time/reward_s": x.times.reward,
    "time/update_s": x.times.update,
    "throughput/rollout_tokens_per_s": x.rollout.generatedTokens / x.times.rollout,
  };
}

/** One group of samples.jsonl: a prompt and its G completions with their rewards and advantages. */
export interface GroupLog {
  prompt_id: string;
  task: string;
  prompt: string;
  solution: string;
  completions: {
    text: string;
    rewards: Record<string, RewardValue>;
    reward: number;
    advantage: number;
    truncated: boolean;
  }[];
}

export function groupLogs(
  samples: Sample[],
  rollout: Rollout,
  completions: string[],
  names: readonly string[],
  scores: RewardValue[][],
  totals: Float32Array,
  advantage: Float32Array,
): GroupLog[] {
  return samples.map((sample, b) => {
    const rows = Array.from(rollout.promptIndex.keys()).filter((r) => rollout.promptIndex[r] === b);
    return {
      prompt_id: sample.id,
      task: sample.task,
      prompt: sample.prompt,
      solution: sample.solution,
      completions: rows.map((r) => ({
        text: completions[r],
        rewards: Object.fromEntries(names.map((name, f) => [name, scores[f][r]])),
        reward: totals[r],
        advantage: advantage[r],
        truncated: rollout.truncated[r],
      })),
    };
  });
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
