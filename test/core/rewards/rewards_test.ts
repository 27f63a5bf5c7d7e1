import { assertAlmostEquals, assertEquals } from "../../assert.ts";
import { accuracyReward } from "../../../core/rewards/accuracy.ts";
import { normaliseAnswer } from "../../../core/rewards/answer.ts";
import { formatReward } from "../../../core/rewards/format.ts";
import { boxIou, iouReward } from "../../../core/rewards/iou.ts";

Deno.test("formatReward() is 1 only for exactly one think block then one answer block", () => {
  assertEquals(formatReward("<think>two red circles</think><answer>2</answer>"), 1);
  assertEquals(formatReward("<think>a</think>\n<answer>2</answer><|im_end|>"), 1);
  assertEquals(formatReward("<answer>2</answer>"), 0);
  assertEquals(formatReward("<think>a</think>"), 0);
  assertEquals(formatReward("<answer>2</answer><think>a</think>"), 0);
  assertEquals(formatReward("<think>a</think><answer>2</answer> extra"), 0);
  assertEquals(formatReward("<think>a</think><answer>2</answer><answer>3</answer>"), 0);
  assertEquals(formatReward(""), 0);
});

Deno.test("normaliseAnswer() folds case, punctuation, number words and 3.0", () => {
  assertEquals(normaliseAnswer("  Red. "), "red");
  assertEquals(normaliseAnswer("three"), "3");
  assertEquals(normaliseAnswer("3.0"), "3");
  assertEquals(normaliseAnswer("2.50"), "2.5");
});

Deno.test("accuracyReward() compares the answer with the solution", () => {
  assertEquals(accuracyReward("<think>x</think><answer>Three</answer>", { solution: "3" }), 1);
  assertEquals(accuracyReward("<think>x</think><answer>4</answer>", { solution: "3" }), 0);
  assertEquals(accuracyReward("no tags 3", { solution: "3" }), 0);
  // Boxes: IoU of [0,0,10,10] and [0,0,10,12] is 100 / 120 = 0.833 >= 0.5.
  assertEquals(accuracyReward("<answer>[0, 0, 10, 10]</answer>", { solution: "[0, 0, 10, 12]" }), 1);
  assertEquals(accuracyReward("<answer>[0, 0, 10, 10]</answer>", { solution: "[5, 5, 20, 20]" }), 0);
});

Deno.test("boxIou() and iouReward() give intersection over union", () => {
  // Overlap [5,5,10,10] = 25; union 100 + 225 - 25 = 300.
  assertAlmostEquals(boxIou([0, 0, 10, 10], [5, 5, 20, 20]), 25 / 300, 1e-12);
  assertEquals(boxIou([0, 0, 10, 10], [10, 0, 20, 10]), 0);
  assertEquals(boxIou([3, 3, 3, 9], [3, 3, 3, 9]), 0);
  assertAlmostEquals(
    iouReward("<answer>[0,0,10,10]</answer>", { solution: "[5, 5, 20, 20]" })!,
    1 / 12,
    1e-12,
  );
  assertEquals(iouReward("<answer>none</answer>", { solution: "[5, 5, 20, 20]" }), 0);
  assertEquals(iouReward("<answer>3</answer>", { solution: "3" }), null);
});
