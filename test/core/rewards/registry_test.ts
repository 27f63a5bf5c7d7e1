import { assert, assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "../../assert.ts";
import { makeSample } from "../../../core/data/mod.ts";
import {
  checkRewardNames,
  meanStd,
  rewardSample,
  scoreRows,
  weightedTotal,
} from "../../../core/rewards/registry.ts";
import { inThreadScorer } from "../../../core/rewards/scorer.ts";
import { workerScorer } from "../../../workers/reward_scorer.ts";

const sample = rewardSample(makeSample("count", 5, 0));
const RIGHT = `<think>x</think><answer>${sample.solution}</answer>`;
const WRONG_FORMAT = `<answer>${sample.solution}</answer>`;
const WRONG = "<think>x</think><answer>banana</answer>";

Deno.test("rewardSample() drops the pixels and keeps the image size", () => {
  assertEquals("image" in sample, false);
  assertEquals(sample.imageSize, [112, 112]);
});

Deno.test("checkRewardNames() names the unknown reward and lists the known ones", () => {
  const e = assertThrows(() => checkRewardNames(["format", "acuracy"]));
  assertEquals(e.message, 'unknown reward function "acuracy": known ones are format, accuracy, iou');
});

Deno.test("scoreRows() scores every function on every row, null where a reward does not apply", async () => {
  const scores = await scoreRows(["format", "accuracy", "iou"], [RIGHT, WRONG_FORMAT, WRONG], [
    sample,
    sample,
    sample,
  ]);
  assertEquals(scores, [[1, 0, 1], [1, 1, 0], [null, null, null]]);
});

Deno.test("weightedTotal() sums weight x reward and skips nulls; no weights means 1 each", () => {
  const scores = [[1, 0, 1], [null, 1, 0.5]];
  assertEquals(Array.from(weightedTotal(scores, [0.5, 2])), [0.5, 2, 1.5]);
  assertEquals(Array.from(weightedTotal(scores, [])), [1, 1, 1.5]);
});

Deno.test("meanStd() is the mean and unbiased std of the values that apply", () => {
  // [1, 0, 0, 1]: mean 0.5, Σ(x - m)² = 1, / 3 -> std sqrt(1/3) = 0.57735.
  const { mean, std } = meanStd([1, 0, null, 0, 1]);
  assertEquals(mean, 0.5);
  assertAlmostEquals(std, Math.sqrt(1 / 3), 1e-12);
  assertEquals(meanStd([2]), { mean: 2, std: 0 });
  const none = meanStd([null]);
  assertEquals([Number.isNaN(none.mean), Number.isNaN(none.std)], [true, true]);
});

Deno.test("the reward worker scores exactly as the trainer thread does, and reports a failing row", async () => {
  const rows = [RIGHT, WRONG_FORMAT, WRONG];
  const samples = [sample, sample, sample];
  const scorer = workerScorer();
  try {
    assertEquals(scorer.where, "reward worker");
    const inWorker = await scorer.score(["format", "accuracy"], rows, samples);
    assertEquals(
      inWorker.scores,
      (await inThreadScorer().score(["format", "accuracy"], rows, samples)).scores,
    );
    assertEquals(inWorker.scores, [[1, 0, 1], [1, 1, 0]]);
    assert(inWorker.seconds >= 0 && inWorker.seconds < 5, `seconds ${inWorker.seconds}`);
    await assertRejects(() => scorer.score(["nope"], rows, samples), Error, 'unknown reward function "nope"');
  } finally {
    await scorer.close();
  }
});
