/**
 * iou: how well the boxes a completion gives cover the ground-truth boxes, as intersection over union.
 */
import type { Box } from "../data/sample.ts";
import { maxOf } from "../extremes.ts";
import { extractAnswer } from "./answer.ts";
import { checkCoordinates, type FoundBox, inPixels, knownSize, parseBoxes } from "./boxes.ts";
import type { RewardContext, RewardDefinition, RewardSample, RewardValue } from "./types.ts";
import { rewardContext } from "./context.ts";
import { Notes } from "../notes.ts";

/**
 * Intersection over union of two [x1, y1, x2, y2] boxes, in [0, 1]; 0 when either has no area (x2 <= x1
 * or y2 <= y1) or a coordinate is not finite (NaN or ±Infinity: no box to measure).
 *
 * Every coordinate is first multiplied by one power of two, 2^-e with 2^e near the largest magnitude.
 * IoU does not change under scaling, and a power-of-two scale is exact, so ordinary boxes give the very
 * same bits as without it; boxes near 1e308 no longer overflow to Infinity - Infinity = NaN in the areas,
 * and boxes near 1e-300 no longer underflow to 0.
 */
export function boxIou(a: Box, b: Box): number {
  const coords = [...a, ...b];
  if (!coords.every(Number.isFinite)) return 0;
  const largest = maxOf(coords.map(Math.abs));
  if (largest === 0) return 0;
  // Clamped so that 2^-e itself stays a finite double (2^±1000); the scaled values then lie within 2^24.
  const e = Math.min(1000, Math.max(-1000, Math.floor(Math.log2(largest))));
  const s = 2 ** -e;
  const [ax1, ay1, ax2, ay2] = a.map((v) => v * s);
  const [bx1, by1, bx2, by2] = b.map((v) => v * s);
  const areaA = Math.max(0, ax2 - ax1) * Math.max(0, ay2 - ay1);
  const areaB = Math.max(0, bx2 - bx1) * Math.max(0, by2 - by1);
  const iw = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1));
  const ih = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
  const inter = iw * ih;
  const union = areaA + areaB - inter;
  // inter <= min(areaA, areaB) holds in floating point too (rounding is monotone), so the ratio is <= 1;
  // min() only guards it.
  return union > 0 ? Math.min(1, inter / union) : 0;
}

export type IouOptions = { coordinates: string; meta_boxes: boolean };

export const IOU_DEFAULTS: Readonly<IouOptions> = {
  // How the data set's plain numbers ([x1, y1, x2, y2], <click>, bbox_2d) are meant: pixels, norm1000
  // or norm1. Qwen's <|box_start|> form is 0-1000 whatever this says.
  coordinates: "pixels",
  // Also take the truth from sample.meta.boxes / meta.box (pixels) when the solution holds no box. Off by
  // default: this project's count, attribute and tiny samples keep boxes in meta that their questions do
  // not ask for, and scoring their answers against them would turn "does not apply" into 0.
  meta_boxes: false,
};

/** What iouReward reads of a sample; a full Sample (with its image) or a RewardSample both fit. */
export type IouSample = Pick<RewardSample, "solution"> & {
  imageSize?: RewardSample["imageSize"];
  image?: { width: number; height: number };
  meta?: Record<string, unknown>;
};

/**
 * max over predicted boxes p and ground-truth boxes t of IoU(p, t), in [0, 1].
 *
 * Predicted boxes are read from the first <answer>...</answer> when there is one, else from the whole
 * completion (verl-style outputs carry no tags). Boxes in <think> beside an answer are deliberation, not
 * the prediction: reading them too would pay a policy for listing candidates.
 *
 * Ground truth: the boxes in the solution (read by the same rule), else, with meta_boxes, meta.boxes or
 * meta.box in pixels.
 *
 * 0 when no box parses in the completion; null when the sample has no ground-truth box. Boxes are
 * compared in pixels when the image's size is known; without it, only boxes in the same frame are
 * compared (both pixels, or both normalised: IoU is unchanged by scaling either axis), and when no
 * predicted box can be compared with any truth the reward is null, said once through `ctx` (the run's;
 * a direct call without one keeps the line to itself).
 */
export function iouReward(
  completion: string,
  sample: IouSample,
  options: Readonly<IouOptions> = IOU_DEFAULTS,
  ctx: RewardContext = rewardContext(new Notes()),
): RewardValue {
  const coordinates = checkCoordinates("iou", options.coordinates);
  const imageSize = knownSize(
    sample.imageSize ?? (sample.image ? [sample.image.width, sample.image.height] : null),
  );
  let truth = parseBoxes(searched(sample.solution), coordinates);
  if (truth.length === 0 && options.meta_boxes) truth = metaBoxes(sample.meta ?? {});
  if (truth.length === 0) return null;
  const predicted = parseBoxes(searched(completion), coordinates);
  if (predicted.length === 0) return 0;
  let best: number | null = null;
  for (const p of predicted) {
    for (const t of truth) {
      const iou = comparedIou(p, t, imageSize);
      if (iou !== null) best = Math.max(best ?? 0, iou);
    }
  }
  if (best === null) {
    ctx.sayOnce(
      "iou: a sample without an image size has predicted boxes in one frame (pixels, or normalised: " +
        "<|box_start|> or coordinates norm1000 / norm1) and ground truth only in the other; such rows " +
        "score null",
    );
  }
  return best;
}

/** The text boxes are read from: the <answer> when there is one, else all of it. */
function searched(text: string): string {
  return extractAnswer(text) ?? text;
}

/** IoU of two found boxes in a shared frame; null when they are in different frames and no size is known. */
function comparedIou(p: FoundBox, t: FoundBox, imageSize: [number, number] | null): number | null {
  if (p.normalised === t.normalised) return boxIou(p.box, t.box);
  const pp = inPixels(p, imageSize), tp = inPixels(t, imageSize);
  return pp && tp ? boxIou(pp, tp) : null;
}

/** meta.boxes (a list of [x1, y1, x2, y2]) or meta.box, in pixels; malformed entries are left out. */
function metaBoxes(meta: Record<string, unknown>): FoundBox[] {
  const isBox = (v: unknown): v is Box =>
    Array.isArray(v) && v.length === 4 && v.every((x) => typeof x === "number");
  const listed = Array.isArray(meta.boxes) ? meta.boxes : [meta.box];
  return listed.filter(isBox).map((box) => ({ box: [...box] as Box, form: "list", normalised: false }));
}

export const iou: RewardDefinition<IouOptions> = {
  name: "iou",
  fn: (completion, sample, options, ctx) => iouReward(completion, sample, options, ctx),
  defaults: { ...IOU_DEFAULTS },
  range: "[0, 1]; 0 when no box parses; null when the sample has no ground-truth box",
  doc: "max over predicted boxes p (in the <answer>, else the whole completion) and ground-truth boxes t " +
    "of |p ∩ t| / |p ∪ t|; boxes as [x1, y1, x2, y2], <click>x, y, w, h</click>, bbox_2d or " +
    "<|box_start|>(x1,y1),(x2,y2)<|box_end|>",
  source: "VLM-R1 (Shen et al. 2025, arXiv:2504.07615) IoU reward; the verl grounding guide's max-IoU " +
    "over several boxes",
};
