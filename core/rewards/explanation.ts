/**
 * explanation: how well the <explain> text agrees with the sample's reference explanations (CIDEr-D),
 * optionally mixed with how well it fits the image (CLIP), as in the VLM-R1 ViVQA-X explanation reward.
 */
import { CIDER_SCALE, ciderDScore, corpusIdf, flatIdf, type Idf } from "./cider.ts";
import { loadClip } from "./clip_similarity.ts";
import type { RewardContext, RewardDefinition, RewardSample, RewardValue } from "./types.ts";

export type ExplanationOptions = {
  /**
   * Where the idf comes from: "batch" (the reference sets of the call's distinct samples, as
   * corpus-level CIDEr-D counts them), "references" (each of the sample's references is one document) or
   * "flat" (weight 1 for every n-gram).
   */
  idf: string;
  /** A folder holding a Transformers.js CLIP export; "" leaves the CLIP part off. */
  clip_model: string;
  /** λ, the CLIP part's share of the reward when clip_model is given, in [0, 1]. */
  clip_weight: number;
};

const IDF_MODES = ["batch", "references", "flat"];
const OPEN = "<explain>";
const CLOSE = "</explain>";

/**
 * The text between the first <explain> and the first </explain> after it, trimmed; null when either tag
 * is missing. indexOf, not a regex: linear on any input. Tags nested inside stay in the text (their
 * letters become the token "explain").
 */
export function extractExplanation(completion: string): string | null {
  const start = completion.indexOf(OPEN);
  if (start < 0) return null;
  const end = completion.indexOf(CLOSE, start + OPEN.length);
  return end < 0 ? null : completion.slice(start + OPEN.length, end).trim();
}

/**
 * The idf for one sample. "batch" is corpus-level CIDEr-D's: idf(g) = log N − log max(1, df(g)) over the
 * reference sets of the N distinct samples being scored together (a GRPO step's B prompts, a score file).
 * With fewer than two distinct samples that is 0 for every n-gram, so it falls back to "references".
 *
 * "references" takes each of the sample's k references as one document. n-grams that every reference
 * shares (often the content words, such as the colour) then weigh 0, and samples with different
 * references score on different scales; GRPO compares completions of one sample only, which this is
 * consistent within. With k = 1 it is 0 again, so such a sample falls back to flat weights.
 */
function sampleIdf(
  sample: RewardSample,
  references: readonly string[],
  mode: string,
  ctx: RewardContext,
): Idf {
  if (mode === "flat") return flatIdf;
  if (mode === "batch") {
    const idf = batchIdf(ctx.batch ?? [sample]);
    if (idf) return idf;
    ctx.sayOnce(
      "explanation: fewer than two distinct samples were scored together, so idf comes from the " +
        "sample's own references (idf=references) instead of the batch's",
    );
  }
  if (references.length === 1) {
    // One message for all such samples (sayOnce keys on the text), not one per sample.
    ctx.sayOnce(
      "explanation: a sample with a single reference explanation gets flat idf (weight 1 for every " +
        "n-gram), since idf over one reference is 0 for every n-gram",
    );
    return flatIdf;
  }
  return corpusIdf(references.map((r) => [r]));
}

/**
 * The idf over the reference sets of a batch's distinct samples (by id), or null when fewer than two
 * have any; computed once per batch, not once per row.
 */
const batchIdfs = new WeakMap<readonly RewardSample[], Idf | null>();
function batchIdf(batch: readonly RewardSample[]): Idf | null {
  if (!batchIdfs.has(batch)) {
    const byId = new Map<string, string[]>();
    for (const s of batch) {
      const refs = (s.explanations ?? []).filter((r): r is string => typeof r === "string");
      if (refs.length > 0 && !byId.has(s.id)) byId.set(s.id, refs);
    }
    batchIdfs.set(batch, byId.size >= 2 ? corpusIdf([...byId.values()]) : null);
  }
  return batchIdfs.get(batch)!;
}

/** Option errors name the option: the registry checks types, ranges are checked here. */
function checkOptions(options: ExplanationOptions): void {
  if (!IDF_MODES.includes(options.idf)) {
    throw new Error(
      `explanation: reward_options.explanation.idf must be one of ${
        IDF_MODES.join(", ")
      }, got "${options.idf}"`,
    );
  }
  const w = options.clip_weight;
  if (!(w >= 0 && w <= 1)) {
    throw new Error(`explanation: reward_options.explanation.clip_weight must be in [0, 1], got ${w}`);
  }
}

function explanationReward(
  completion: string,
  sample: RewardSample,
  options: ExplanationOptions,
  ctx: RewardContext,
): RewardValue | Promise<RewardValue> {
  checkOptions(options);
  const clipOn = options.clip_model !== "";
  if (!clipOn) {
    ctx.sayOnce(
      "explanation: no CLIP folder given (reward_options.explanation.clip_model), so the CLIP part is off " +
        "and clip_weight is unused: the reward is CIDEr-D alone",
    );
  }
  const references = Array.isArray(sample.explanations)
    ? sample.explanations.filter((r): r is string => typeof r === "string")
    : [];
  if (references.length === 0) return null;
  const text = extractExplanation(completion);
  // No explanation, or one without a single word, explains nothing: 0, and CLIP is not asked about it.
  if (text === null || !/[\p{L}\p{N}]/u.test(text)) return 0;
  const idf = sampleIdf(sample, references, options.idf, ctx);
  // CIDEr-D ≤ 10 (see cider.ts); min() only guards the last bit of rounding.
  const cider = Math.min(1, ciderDScore(text, references, idf) / CIDER_SCALE);
  if (!clipOn) return cider;
  return mixClip(cider, text, sample, options);
}

async function mixClip(
  cider: number,
  text: string,
  sample: RewardSample,
  options: ExplanationOptions,
): Promise<number> {
  if (!sample.image) {
    throw new Error(`explanation: clip_model is set but sample ${sample.id} came without its image`);
  }
  const clip = await (await loadClip(options.clip_model)).similarity(sample.image, text);
  return (1 - options.clip_weight) * cider + options.clip_weight * clip;
}

/**
 * r = (1 − λ) · min(1, CIDEr-D / 10) + λ · CLIPScore, λ = clip_weight when clip_model is given, else 0.
 * CIDEr-D of the <explain> text against sample.explanations (1- to 4-grams, clipped tf·idf, Gaussian
 * length penalty σ = 6, × 10), idf over the batch's reference sets by default (see sampleIdf).
 */
export const explanation: RewardDefinition<ExplanationOptions> = {
  name: "explanation",
  fn: explanationReward,
  defaults: { idf: "batch", clip_model: "", clip_weight: 0.3 },
  range: "[0, 1]; null when the sample has no reference explanations",
  doc: "CIDEr-D / 10 of the <explain> text against the reference explanations, mixed with CLIPScore of " +
    "text and image when clip_model names a CLIP folder: (1 − clip_weight) · CIDEr-D / 10 + clip_weight · CLIPScore",
  source: "CIDEr-D: Vedantam et al. 2015 (pycocoevalcap); CLIPScore: Hessel et al. 2021; " +
    "explanation reward of VLM-R1 on ViVQA-X",
  // Only the CLIP part reads the pixels.
  needsImage: (options) => options.clip_model !== "",
};
