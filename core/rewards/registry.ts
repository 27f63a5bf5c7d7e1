/**
 * The reward registry: every reward function by name, with its range and what it measures. GRPO's
 * reward_funcs names entries here; reward_weights (or `<name>_weight`) weighs them.
 *
 * A reward sees the completion's text and the sample without its pixels (RewardSample), so that scoring
 * can run in a worker of its own: only strings and small numbers cross.
 */
import type { Sample } from "../data/sample.ts";
import { accuracyReward } from "./accuracy.ts";
import { formatReward } from "./format.ts";
import { iouReward } from "./iou.ts";
import type { RewardSample, RewardValue } from "./types.ts";

export type { RewardSample, RewardValue };

export type RewardFn = (completion: string, sample: RewardSample) => RewardValue | Promise<RewardValue>;

export interface RewardSpec {
  fn: RewardFn;
  /** The values it gives, e.g. "{0, 1}" or "[0, 1]; null when the solution is not a box". */
  range: string;
  doc: string;
}

export const REWARDS: Readonly<Record<string, RewardSpec>> = {
  format: {
    fn: formatReward,
    range: "{0, 1}",
    doc: "the completion is exactly <think>...</think><answer>...</answer>",
  },
  accuracy: {
    fn: accuracyReward,
    range: "{0, 1}",
    doc: "the <answer> matches the solution after normalisation (boxes: IoU >= 0.5)",
  },
  iou: {
    fn: iouReward,
    range: "[0, 1]; null when the solution is not a box",
    doc: "IoU of the answered [x1, y1, x2, y2] box with the ground-truth box",
  },
};

/** The sample without its pixels. */
export function rewardSample(sample: Sample): RewardSample {
  const { image, ...rest } = sample;
  return { ...rest, imageSize: [image.width, image.height] };
}

/** Checks reward names against the registry; an unknown one is an error that lists the known ones. */
export function checkRewardNames(names: readonly string[]): void {
  for (const name of names) {
    if (!Object.hasOwn(REWARDS, name)) {
      throw new Error(`unknown reward function "${name}": known ones are ${Object.keys(REWARDS).join(", ")}`);
    }
  }
}

/**
 * Scores every row with every named function: out[f][r]. A function that throws fails the whole call
 * with the function's name and the row, so that a broken reward is never read as a zero.
 */
export async function scoreRows(
  names: readonly string[],
  completions: readonly string[],
  samples: readonly RewardSample[],
): Promise<RewardValue[][]> {
  checkRewardNames(names);
  if (completions.length !== samples.length) {
    throw new Error(`scoreRows(): ${completions.length} completions but ${samples.length} samples`);
  }
  return await Promise.all(names.map((name) =>
    Promise.all(completions.map(async (completion, r) => {
      try {
        const value = await REWARDS[name].fn(completion, samples[r]);
        if (value !== null && !Number.isFinite(value)) throw new Error(`returned ${value}`);
        return value;
      } catch (e) {
        throw new Error(
          `reward "${name}" failed on row ${r} (sample ${samples[r].id}): ${(e as Error).message}`,
        );
      }
    }))
  ));
}

/**
 * The total reward per row: Σ_f w_f · r_f, where a null (does not apply) adds nothing, as TRL's nansum
 * does with NaN. `weights` empty means 1 for every function.
 */
export function weightedTotal(scores: readonly RewardValue[][], weights: readonly number[]): Float32Array {
  const rows = scores[0]?.length ?? 0;
  const total = new Float32Array(rows);
  scores.forEach((column, f) => {
    const w = weights.length === 0 ? 1 : weights[f];
    column.forEach((v, r) => {
      if (v !== null) total[r] += w * v;
    });
  });
  return total;
}

/**
 * Mean and unbiased std (n - 1, as TRL's nanstd) of the values that apply; NaN for both when none does,
 * std 0 for a single value.
 */
export function meanStd(values: readonly RewardValue[]): { mean: number; std: number } {
  const xs = values.filter((v): v is number => v !== null);
  if (xs.length === 0) return { mean: NaN, std: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length === 1) return { mean, std: 0 };
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
  return { mean, std: Math.sqrt(variance) };
}
