/**
 * The reward registry: every reward function by name, with its range and what it measures. GRPO's
 * reward_funcs names entries here; reward_weights (or `<name>_weight`) weighs them.
 *
 * A reward sees the completion's text and the sample without its pixels (RewardSample), so that scoring
 * can run in a worker of its own: only strings and small numbers cross.
 */
import type { Sample } from "../data/sample.ts";
import { accuracy } from "./accuracy.ts";
import { bboxValidity } from "./bbox_validity.ts";
import { blindfold } from "./blindfold.ts";
import { explanation } from "./explanation.ts";
import { format, formatPartial } from "./format.ts";
import { iou } from "./iou.ts";
import { length } from "./length.ts";
import { outcome } from "./outcome.ts";
import { reasoningQuality } from "./reasoning_quality.ts";
import { repetition } from "./repetition.ts";
import { toolCalling } from "./tool_calling.ts";
import { toolUsage } from "./tool_usage.ts";
import { visualGrounding } from "./visual_grounding.ts";
import type { RewardDefinition, RewardSample, RewardValue } from "./types.ts";

export type { RewardSample, RewardValue };

/** Every built-in reward, by name. */
export const REWARDS: Readonly<Record<string, RewardDefinition>> = byName([
  format,
  formatPartial,
  accuracy,
  outcome,
  iou,
  toolUsage,
  bboxValidity,
  reasoningQuality,
  toolCalling,
  visualGrounding,
  explanation,
  length,
  repetition,
  blindfold,
]);

function byName(definitions: RewardDefinition[]): Record<string, RewardDefinition> {
  return Object.freeze(Object.fromEntries(definitions.map((d) => [d.name, d])));
}

/** The sample without its pixels (unless a reward needs them), with the image's size. */
export function rewardSample(sample: Sample, withImage = false): RewardSample {
  const { image, ...rest } = sample;
  return { ...rest, imageSize: [image.width, image.height], ...(withImage ? { image } : {}) };
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
