/**
 * repetition: a penalty for repeated word n-grams, the looping a policy falls into under RL.
 */
import type { RewardDefinition } from "./types.ts";

export type RepetitionOptions = { n: number };

/** n = 3, as open-r1's repetition_n_grams default. */
export const REPETITION_DEFAULTS: Readonly<RepetitionOptions> = { n: 3 };

/**
 * -(1 - U/T), where the completion's words are its whitespace-separated pieces, lower-cased (as
 * open-r1's), T = words - n + 1 is the number of word n-grams and U the number of distinct ones. A
 * penalty, so that it is used with a positive weight: 0 with no n-gram repeated, down towards -1 (which it
 * never reaches: U >= 1 gives at worst -(1 - 1/T)). 0 when there are fewer than n words (no n-gram to
 * repeat). Range (-1, 0].
 */
export function repetitionReward(
  completion: string,
  options: Readonly<RepetitionOptions> = REPETITION_DEFAULTS,
): number {
  const { n } = options;
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`repetition: option n must be a whole number >= 1, got ${n}`);
  }
  const words = completion.toLowerCase().split(/\s+/).filter((w) => w.length > 0);
  if (words.length < n) return 0;
  const total = words.length - n + 1;
  const distinct = new Set<string>();
  // Words hold no whitespace, so a space joins them into a key that no other n-gram shares.
  for (let i = 0; i < total; i++) distinct.add(words.slice(i, i + n).join(" "));
  // (U - T) / T rather than -(1 - U/T): one rounding, and +0 (not -0) when nothing repeats.
  return (distinct.size - total) / total;
}

export const repetition: RewardDefinition<RepetitionOptions> = {
  name: "repetition",
  fn: (completion, _sample, options) => repetitionReward(completion, options),
  defaults: { ...REPETITION_DEFAULTS },
  range: "(-1, 0]; 0 when the completion has fewer than n words",
  doc: "-(1 - distinct word n-grams / all word n-grams), words split at whitespace and lower-cased",
  source:
    "open-r1's repetition penalty (Hugging Face), after Yeo et al. 2025, arXiv:2502.03373, appendix C.2",
};
