import type { Box } from "../data/sample.ts";
import { extractAnswer, parseBox } from "./answer.ts";

/** Intersection over union of two [x1, y1, x2, y2] boxes; 0 when either has no area. */
export function boxIou(a: Box, b: Box): number {
  const area = (x: Box) => Math.max(0, x[2] - x[0]) * Math.max(0, x[3] - x[1]);
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * iou: IoU of the [x1, y1, x2, y2] box in the <answer> with the solution's box, in [0, 1]; 0 when no
 * box parses; null when the solution is not a box (the reward does not apply).
 */
export function iouReward(completion: string, sample: { solution: string }): number | null {
  const truth = parseBox(sample.solution);
  if (!truth) return null;
  const answer = extractAnswer(completion);
  const box = answer === null ? null : parseBox(answer);
  return box ? boxIou(box, truth) : 0;
}
