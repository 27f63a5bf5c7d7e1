/**
 * length: DAPO's soft overlong punishment, measured in characters because rewards see text, not tokens.
 */
import { withoutEndToken } from "./answer.ts";
import type { RewardDefinition } from "./types.ts";

export type LengthOptions = { max_length: number; cache_length: number };

/**
 * In characters. English BPE runs about 4 characters a token, so max_length ≈ 4 · max_completion_length
 * is a start; the defaults sit well above the synthetic tasks' references (70 to 190 characters) and keep
 * DAPO's proportion (L_cache = L_max / 4 here, 4096 of 20480 tokens there).
 */
export const LENGTH_DEFAULTS: Readonly<LengthOptions> = { max_length: 512, cache_length: 128 };

/**
 * R(y) = 0 when |y| <= L_max - L_cache; (L_max - L_cache - |y|) / L_cache when L_max - L_cache < |y| <=
 * L_max; -1 when |y| > L_max. |y| counts Unicode code points (an emoji is one), a trailing <|im_end|>
 * left out (it is the stop token, not text the policy chose to write). Range [-1, 0].
 */
export function lengthReward(completion: string, options: Readonly<LengthOptions> = LENGTH_DEFAULTS): number {
  const { max_length: lMax, cache_length: lCache } = checkLengths(options);
  const n = codePoints(withoutEndToken(completion));
  const free = lMax - lCache;
  if (n <= free) return 0;
  if (n > lMax) return -1;
  // Here free < n <= lMax, so lCache = lMax - free > 0: the division is safe, and a cache_length of 0
  // (a hard cut at max_length) never reaches it.
  return (free - n) / lCache;
}

/** Code points, not UTF-16 units: a string iterates by code point. */
function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** 0 <= cache_length <= max_length, both finite; a bad pair is a configuration error naming the option. */
function checkLengths(options: Readonly<LengthOptions>): LengthOptions {
  const { max_length, cache_length } = options;
  if (!Number.isFinite(max_length) || max_length <= 0) {
    throw new Error(`length: option max_length must be a finite number > 0, got ${max_length}`);
  }
  if (!Number.isFinite(cache_length) || cache_length < 0 || cache_length > max_length) {
    throw new Error(
      `length: option cache_length must be between 0 and max_length (${max_length}), got ${cache_length}`,
    );
  }
  return { max_length, cache_length };
}

export const length: RewardDefinition<LengthOptions> = {
  name: "length",
  fn: (completion, _sample, options) => lengthReward(completion, options),
  defaults: { ...LENGTH_DEFAULTS },
  range: "[-1, 0]",
  doc: "|y| in characters: 0 when |y| <= max_length - cache_length; (max_length - cache_length - |y|) / " +
    "cache_length up to max_length; -1 beyond",
  source: "DAPO (Yu et al. 2025, arXiv:2503.14476), overlong reward shaping: the soft overlong punishment",
};
