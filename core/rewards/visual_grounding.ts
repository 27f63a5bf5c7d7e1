/**
 * visual_grounding: a small bonus for reasoning that names what it sees (an angle, a side, a circle),
 * as Visual-R1 gives on Geometry3K. It checks words, not truth: keep the bonus small beside accuracy.
 */
import { firstBlock, lexTags } from "./tool_use.ts";
import type { RewardDefinition } from "./types.ts";

export type VisualGroundingOptions = { bonus: number; vocabulary: string[] };

/** Geometry's visual elements, singular and plural (whole words: "angle" does not match "angles"). */
export const GEOMETRY_VOCABULARY: readonly string[] = [
  "angle",
  "angles",
  "side",
  "sides",
  "line",
  "lines",
  "segment",
  "segments",
  "triangle",
  "triangles",
  "circle",
  "circles",
  "arc",
  "arcs",
  "radius",
  "radii",
  "diameter",
  "chord",
  "chords",
  "tangent",
  "vertex",
  "vertices",
  "corner",
  "corners",
  "edge",
  "edges",
  "parallel",
  "perpendicular",
  "square",
  "squares",
  "rectangle",
  "polygon",
  "quadrilateral",
  "parallelogram",
  "trapezoid",
  "hypotenuse",
  "altitude",
  "bisector",
  "shape",
  "shapes",
];

export const VISUAL_GROUNDING_DEFAULTS: Readonly<VisualGroundingOptions> = {
  bonus: 0.1,
  vocabulary: [...GEOMETRY_VOCABULARY],
};

/** A word: a run of letters and digits in any script; everything else separates words. */
const WORD = /[\p{L}\p{N}]+/gu;

function words(text: string): string[] {
  return Array.from(text.toLowerCase().matchAll(WORD), (m) => m[0]);
}

/**
 * bonus when the <think> body names an entry of `vocabulary`, else 0. Matching is by whole words, case
 * folded: the body and each entry are split into words (runs of letters and digits), and an entry
 * matches where its words appear in a row ("right angle" matches "a RIGHT-angle", "angle" does not
 * match "triangle"). 0 without a closed <think>...</think>: the bonus is for reasoning, and an answer
 * that only names a shape is not reasoning about it. Range {0, bonus}.
 */
export function visualGroundingReward(
  completion: string,
  options: Readonly<VisualGroundingOptions> = VISUAL_GROUNDING_DEFAULTS,
): number {
  const { bonus, entries } = checkOptions(options);
  const think = firstBlock(lexTags(completion), "think");
  if (!think) return 0;
  const body = words(completion.slice(think.start, think.end));
  const single = new Set(entries.filter((e) => e.length === 1).map((e) => e[0]));
  if (body.some((w) => single.has(w))) return bonus;
  const phrases = entries.filter((e) => e.length > 1);
  const named = phrases.some((p) => body.some((_, i) => p.every((w, j) => body[i + j] === w)));
  return named ? bonus : 0;
}

/** bonus finite and >= 0; every vocabulary entry holds a word; a bad one is a configuration error. */
function checkOptions(options: Readonly<VisualGroundingOptions>): { bonus: number; entries: string[][] } {
  const { bonus, vocabulary } = options;
  if (!Number.isFinite(bonus) || bonus < 0) {
    throw new Error(`visual_grounding: option bonus must be a finite number >= 0, got ${bonus}`);
  }
  if (vocabulary.length === 0) {
    throw new Error("visual_grounding: option vocabulary is empty; name at least one visual element");
  }
  const entries = vocabulary.map((v) => {
    const w = words(v);
    if (w.length === 0) {
      throw new Error(`visual_grounding: option vocabulary has "${v}", which holds no word`);
    }
    return w;
  });
  return { bonus, entries };
}

export const visualGrounding: RewardDefinition<VisualGroundingOptions> = {
  name: "visual_grounding",
  fn: (completion, _sample, options) => visualGroundingReward(completion, options),
  defaults: { ...VISUAL_GROUNDING_DEFAULTS, vocabulary: [...GEOMETRY_VOCABULARY] },
  range: "{0, bonus}; bonus defaults to 0.1",
  doc: "bonus when the <think> text names a word of the vocabulary (whole words, any case), else 0",
  source: "Visual-R1 on Tinker (Geometry3K), visual grounding reward",
};
