/**
 * advantages() and zeroStdGroupFraction() against hand-computed values. The arithmetic is in the
 * comments; the numbers were worked out by hand (and checked in float64), not by the implementation.
 */
import * as tf from "@tensorflow/tfjs";
import { assertAllClose, assertEquals, assertRejects, assertThrows } from "../../assert.ts";
import { initBackend } from "../../../core/backend.ts";
import { ADVANTAGE_EPSILON, advantages, zeroStdGroupFraction } from "../../../core/grpo/mod.ts";

await initBackend({ override: "cpu", log: () => {} });

/** float32 against float64 arithmetic. */
const TOL = 1e-6;

async function advantagesOf(
  rewards: number[],
  g: number,
  scaleRewards: "group" | "batch" | "none",
  epsilon?: number,
): Promise<Float32Array> {
  const r = tf.tensor1d(rewards);
  const a = advantages(r, g, { scaleRewards, epsilon });
  const values = (await a.data()) as Float32Array;
  tf.dispose([r, a]);
  return values;
}

// Group 1 = [1, 0, 0, 1]: mean 0.5, deviations ±0.5, Σ dev² = 4 · 0.25 = 1, unbiased variance 1 / 3,
// std √(1/3) = 0.5773503; advantage ±0.5 / (0.5773503 + 1e-4) = ±0.8658754.
// Group 2 = [2, 2, 2, 2]: all equal, advantage 0.
const REWARDS = [1, 0, 0, 1, 2, 2, 2, 2];
const A_GROUP = 0.5 / (Math.sqrt(1 / 3) + 1e-4); // 0.8658754

Deno.test("advantages() divides by the unbiased std of each group plus 1e-4 when scaleRewards is group", async () => {
  assertEquals(ADVANTAGE_EPSILON, 1e-4);
  const a = await advantagesOf(REWARDS, 4, "group");
  assertAllClose(a, [A_GROUP, -A_GROUP, -A_GROUP, A_GROUP, 0, 0, 0, 0], TOL, "advantages");
  assertAllClose([A_GROUP], [0.8658754], 1e-7, "the hand value");
});

Deno.test("advantages() gives zero advantage to a group whose rewards are all equal", async () => {
  const a = await advantagesOf(REWARDS, 4, "group");
  assertEquals(Array.from(a.subarray(4)), [0, 0, 0, 0]);
  // 0.1 + 0.1 + 0.1 is not 0.3 in float32 arithmetic, so the group mean of three 0.1s may miss 0.1 by
  // an ulp; the advantage must still be exactly 0, under every scaling, not an ulp over 1e-4.
  for (const scale of ["group", "batch", "none"] as const) {
    const b = await advantagesOf([0.1, 0.1, 0.1, 0.7, 0.7, 0.7], 3, scale);
    assertEquals(Array.from(b), [0, 0, 0, 0, 0, 0], scale);
  }
});

Deno.test("advantages() divides by the std of the whole batch when scaleRewards is batch", async () => {
  // The batch [1, 0, 0, 1, 2, 2, 2, 2]: mean 10 / 8 = 1.25; deviations -0.25, -1.25, -1.25, -0.25 and
  // 0.75 four times; Σ dev² = 0.0625 + 1.5625 + 1.5625 + 0.0625 + 4 · 0.5625 = 5.5; unbiased variance
  // 5.5 / 7 = 0.7857143, std 0.8864053. Centring is still by the group mean (0.5 and 2):
  // group 1 ±0.5 / (0.8864053 + 1e-4) = ±0.5640124, group 2 0.
  const a = await advantagesOf(REWARDS, 4, "batch");
  const x = 0.5640124;
  assertAllClose(a, [x, -x, -x, x, 0, 0, 0, 0], TOL, "advantages");
});

Deno.test("advantages() only centres the rewards when scaleRewards is none", async () => {
  // Group 1: r - 0.5 = ±0.5; group 2: 0.
  const a = await advantagesOf(REWARDS, 4, "none");
  assertAllClose(a, [0.5, -0.5, -0.5, 0.5, 0, 0, 0, 0], TOL, "advantages");
});

Deno.test("advantages() uses the epsilon it is given", async () => {
  // ε = 0: ±0.5 / √(1/3) = ±0.8660254.
  const a = await advantagesOf(REWARDS, 4, "group", 0);
  assertAllClose(a.subarray(0, 4), [0.8660254, -0.8660254, -0.8660254, 0.8660254], TOL, "advantages");
});

Deno.test("advantages() gives all zeros, not NaN, when every reward of the batch is equal", async () => {
  for (const scale of ["group", "batch", "none"] as const) {
    assertEquals(Array.from(await advantagesOf([3, 3, 3, 3], 2, scale)), [0, 0, 0, 0], scale);
  }
});

Deno.test("zeroStdGroupFraction() is the fraction of groups whose rewards are all equal", async () => {
  const fraction = async (rewards: number[], g: number) => {
    const r = tf.tensor1d(rewards);
    const f = await zeroStdGroupFraction(r, g);
    r.dispose();
    return f;
  };
  assertAllClose([await fraction(REWARDS, 4)], [0.5], TOL, "1 of 2 groups");
  // [1, 1, 0, 0] varies; [3, 3, 3, 3] and [5, 5, 5, 5] do not: 2 of 3.
  assertAllClose([await fraction([1, 1, 0, 0, 3, 3, 3, 3, 5, 5, 5, 5], 4)], [2 / 3], TOL, "2 of 3 groups");
  assertAllClose([await fraction([0, 1, 1, 0], 2)], [0], TOL, "no group");
});

Deno.test("advantages() throws, naming both numbers, when the rewards are not a multiple of the group size", async () => {
  const r = tf.tensor1d([1, 0, 0, 1, 2, 2, 2]);
  const before = tf.memory().numTensors;
  const e = assertThrows(() => advantages(r, 4, { scaleRewards: "group" }), Error, "7");
  assertEquals(e.message.includes("4"), true, e.message);
  await assertRejects(() => zeroStdGroupFraction(r, 4), Error, "numGenerations 4");
  assertThrows(() => advantages(r, 1, { scaleRewards: "group" }), Error, "numGenerations");
  assertEquals(tf.memory().numTensors, before, "tensors after the errors");
  r.dispose();
});

Deno.test("advantages() throws on an unknown scaleRewards", () => {
  const r = tf.tensor1d([1, 0]);
  assertThrows(
    () => advantages(r, 2, { scaleRewards: "std" as unknown as "group" }),
    Error,
    'unknown scaleRewards "std"',
  );
  r.dispose();
});

Deno.test("advantages() and zeroStdGroupFraction() leave no tensors behind", async () => {
  const r = tf.tensor1d(REWARDS);
  const before = tf.memory().numTensors;
  for (const scaleRewards of ["group", "batch", "none"] as const) {
    advantages(r, 4, { scaleRewards }).dispose();
  }
  await zeroStdGroupFraction(r, 4);
  assertEquals(tf.memory().numTensors, before);
  r.dispose();
});
