/**
 * TrainerSession's reward weights: each step reports the weights its totals used, and a change made while
 * a step runs (as the lab's slider does through the worker) applies from the next step, not mid-step.
 */
import { assertEquals, assertThrows } from "../../assert.ts";
import { DENO_ASSETS } from "../../helpers/assets.ts";
import { TrainerSession } from "../../../core/train/session.ts";
import { testConfig } from "../../helpers/tiny_lab.ts";

Deno.test("grpoStep() reports its weights; setRewardWeights() during a step applies from the next one", async () => {
  const s = new TrainerSession();
  await s.init(
    testConfig({
      task: "count",
      backend: "wasm",
      image_size: 56,
      per_device_train_batch_size: 1,
      num_generations: 2,
      max_completion_length: 4,
      reward_weights: [0.5, 1],
    }),
    DENO_ASSETS,
  );
  try {
    const first = s.grpoStep();
    await s.setRewardWeights([2, 0]); // arrives while step 1 is running
    const second = await (async () => {
      await first;
      return s.grpoStep();
    })();
    assertEquals((await first).rewardWeights, [0.5, 1]);
    assertEquals(second.rewardWeights, [2, 0]);
    // The totals of step 2 are 2 x format + 0 x accuracy.
    for (const c of second.groups[0].completions) {
      assertEquals(c.reward, Math.fround(2 * (c.rewards.format ?? 0)));
    }
    await assertThrowsAsync(() => s.setRewardWeights([1]), "setRewardWeights(): need 2 finite weights");
  } finally {
    await s.dispose();
  }
});

async function assertThrowsAsync(f: () => Promise<unknown>, includes: string) {
  let error: unknown;
  try {
    await f();
  } catch (e) {
    error = e;
  }
  assertThrows(
    () => {
      if (error) throw error;
    },
    Error,
    includes,
  );
}
