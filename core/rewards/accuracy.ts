import type { Sample } from "../data/sample.ts";
import { extractAnswer, normaliseAnswer, parseBox } from "./answer.ts";
import { boxIou } from "./iou.ts";

/** IoU at or above which a grounding answer counts as correct. */
export const GROUNDING_IOU_THRESHOLD = 0.5;

/**
 * accuracy: 1 when the <answer> matches the solution after normalisation (case, spacing, punctuation,
 * "3" = "3.0" = "three"); for a box solution, 1 when the IoU of the answered box with it is at least
 * 0.5. 0 when there is no <answer>. Range {0, 1}.
 */
export function accuracyReward(completion: string, sample: Pick<Sample, "solution">): number {
  const answer = extractAnswer(completion);
  if (answer === null) return 0;
  const truth = parseBox(sample.solution);
  if (truth) {
    const box = parseBox(answer);
    return box && boxIou(box, truth) >= GROUNDING_IOU_THRESHOLD ? 1 : 0;
  }
  return normaliseAnswer(answer) === normaliseAnswer(sample.solution) ? 1 : 0;
}
