/**
 * bbox_validity: are the boxes the completion passes to its tools boxes at all, and inside the image?
 * The second part of the Ovis2.5 tool-calling reward (weight 0.3 in tool_calling).
 */
import type { Box } from "../data/sample.ts";
import { checkCoordinates, type Coordinates, knownSize } from "./boxes.ts";
import { lexTags, readBoxArgument, toolCalls } from "./tool_use.ts";
import { checkTools, TOOL_USAGE_DEFAULTS } from "./tool_usage.ts";
import type { RewardDefinition, RewardSample, RewardValue } from "./types.ts";

export type BboxValidityOptions = { tools: string[]; coordinates: string };

export const BBOX_VALIDITY_DEFAULTS: Readonly<BboxValidityOptions> = {
  // The tools whose calls carry a box; the same option as tool_usage's.
  tools: TOOL_USAGE_DEFAULTS.tools,
  // How the boxes' numbers are meant, and so where the image ends: pixels (at the image's size),
  // norm1000 (at 1000) or norm1 (at 1).
  coordinates: "pixels",
};

/**
 * 1 - invalid / boxes, over the boxes of every call to a tool in `tools` (closed or not: a truncated
 * "<tool_call>Crop [1, 2," is a box, and an invalid one). A box is invalid when its argument is not
 * "[n, n, n, n]" (non-numeric, three numbers, no brackets; a number too long for a double, read as
 * Infinity, too), when x1 >= x2 or y1 >= y2, when a coordinate is negative, or when it leaves the image:
 * x2 > W or y2 > H (x2 and y2 are exclusive, so x2 = W is inside), with W × H the image's size in
 * pixels, 1000 × 1000 for norm1000, 1 × 1 for norm1.
 *
 * Range [0, 1]. null when no call carries a box: there is nothing to judge, and 1 (as the Ovis project
 * gave) would pay a policy for calling no tool. With pixels and no image size (offline scoring of rows
 * that give none), the outside-the-image test is skipped; the others still apply. Boxes elsewhere (in
 * the reasoning or the answer) are not judged here; iou judges answers.
 */
export function bboxValidityReward(
  completion: string,
  sample: Pick<RewardSample, "imageSize">,
  options: Readonly<BboxValidityOptions> = BBOX_VALIDITY_DEFAULTS,
): RewardValue {
  checkTools("bbox_validity", options.tools);
  const coordinates = checkCoordinates("bbox_validity", options.coordinates);
  const bound = imageBound(coordinates, knownSize(sample.imageSize));
  const calls = toolCalls(completion, lexTags(completion))
    .filter((c) => c.name !== null && options.tools.includes(c.name));
  if (calls.length === 0) return null;
  const valid = calls.filter((c) => isValidBox(readBoxArgument(c.argument).box, bound)).length;
  // valid / boxes rather than 1 - invalid / boxes: one rounding, and exactly 0 or 1 at the ends.
  return valid / calls.length;
}

/** [W, H] a box must stay within; null when unknown (pixels without an image size). */
function imageBound(coordinates: Coordinates, size: [number, number] | null): [number, number] | null {
  if (coordinates === "norm1000") return [1000, 1000];
  if (coordinates === "norm1") return [1, 1];
  return size;
}

/** Four finite numbers, x1 < x2, y1 < y2, none negative, and within `bound` when it is known. */
export function isValidBox(box: Box | null, bound: [number, number] | null): boolean {
  if (box === null || !box.every(Number.isFinite)) return false;
  const [x1, y1, x2, y2] = box;
  if (x1 >= x2 || y1 >= y2 || x1 < 0 || y1 < 0) return false;
  return bound === null || (x2 <= bound[0] && y2 <= bound[1]);
}

export const bboxValidity: RewardDefinition<BboxValidityOptions> = {
  name: "bbox_validity",
  fn: (completion, sample, options) => bboxValidityReward(completion, sample, options),
  defaults: { tools: [...BBOX_VALIDITY_DEFAULTS.tools], coordinates: BBOX_VALIDITY_DEFAULTS.coordinates },
  range: "[0, 1]; null when no tool call carries a box",
  doc: "1 - invalid boxes / boxes over the tool calls' [x1, y1, x2, y2]; invalid: not four numbers, " +
    "x1 >= x2, y1 >= y2, negative, or beyond the image (skipped when its size is unknown)",
  source: "Ovis2.5 tool-calling GRPO (Crop + Identify), bounding box validity",
};
