import { assert, assertAlmostEquals, assertEquals, assertRejects } from "../../assert.ts";
import { makeSample } from "../../../core/data/mod.ts";
import { meanStd, REWARDS, rewardSample, weightedTotal } from "../../../core/rewards/registry.ts";
import { inThreadScorer } from "../../../core/rewards/scorer.ts";
import { workerScorer } from "../../../workers/reward_scorer.ts";

const sample = rewardSample(makeSample("count", 5, 0));
const RIGHT = `<think>x</think><answer>${sample.solution}</answer>`;
const WRONG_FORMAT = `<answer>${sample.solution}</answer>`;
const WRONG = "<think>x</think><answer>banana</answer>";
const spec = (names: string[]) => ({ reward_funcs: names, reward_options: {}, custom_rewards: {} });

Deno.test("rewardSample() drops the pixels and keeps the image size; withImage keeps them", () => {
  assertEquals("image" in sample, false);
  assertEquals(sample.imageSize, [112, 112]);
  const withImage = rewardSample(makeSample("count", 5, 0), true);
  assertEquals(withImage.image?.pixels.length, 112 * 112 * 3);
});

Deno.test("every registered reward documents its range, formula and source, under its own name", () => {
  for (const [name, d] of Object.entries(REWARDS)) {
    assertEquals(d.name, name);
    for (const field of [d.range, d.doc, d.source]) assert(field.length > 0, `${name} lacks documentation`);
  }
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

Deno.test("the reward worker scores exactly as the trainer thread does, and reports a failing name", async () => {
  const rows = [RIGHT, WRONG_FORMAT, WRONG];
  const samples = [sample, sample, sample];
  const scorer = workerScorer();
  try {
    assertEquals(scorer.where, "reward worker");
    const inWorker = await scorer.score(spec(["format", "accuracy"]), rows, samples);
    assertEquals(
      inWorker.scores,
      (await inThreadScorer().score(spec(["format", "accuracy"]), rows, samples)).scores,
    );
    assertEquals(inWorker.scores, [[1, 0, 1], [1, 1, 0]]);
    assert(inWorker.seconds >= 0 && inWorker.seconds < 5, `seconds ${inWorker.seconds}`);
    await assertRejects(
      () => scorer.score(spec(["nope"]), rows, samples),
      Error,
      'unknown reward function "nope"',
    );
  } finally {
    await scorer.close();
  }
});
