/**
 * The KL estimators against hand-computed values, k3's clamps, and k3's gradient against its derivative
 * d k3 / d logp = 1 - e^(ref - logp).
 */
import * as tf from "@tensorflow/tfjs";
import { assert, assertAllClose, assertEquals } from "../../assert.ts";
import { initBackend } from "../../../core/backend.ts";
import { K3_LOG_RATIO_LIMIT, K3_VALUE_LIMIT, KL_ESTIMATORS } from "../../../core/grpo/mod.ts";

await initBackend({ override: "cpu", log: () => {} });

/** float32 exp and subtraction against float64 arithmetic, on values up to about 10. */
const TOL = 1e-5;

// d = ref - logp: -0.5, 1, 0, 2, 29 (the last beyond the log-ratio clamp of 20).
const LOGP = [-1, -2, -0.5, -3, -30];
const REF = [-1.5, -1, -0.5, -1, -1];

async function estimate(name: "k1" | "k2" | "k3"): Promise<Float32Array> {
  const logp = tf.tensor2d(LOGP, [1, 5]);
  const ref = tf.tensor2d(REF, [1, 5]);
  const before = tf.memory().numTensors;
  const kl = KL_ESTIMATORS[name](logp, ref);
  assertEquals(kl.shape, [1, 5]);
  const values = (await kl.data()) as Float32Array;
  kl.dispose();
  assertEquals(tf.memory().numTensors, before, `${name} leaves no intermediate tensors`);
  tf.dispose([logp, ref]);
  return values;
}

Deno.test("KL_ESTIMATORS.k1 is the log ratio logp - ref", async () => {
  // -1 - -1.5 = 0.5; -2 - -1 = -1; 0; -3 - -1 = -2; -30 - -1 = -29.
  assertAllClose(await estimate("k1"), [0.5, -1, 0, -2, -29], TOL, "k1");
});

Deno.test("KL_ESTIMATORS.k2 is half the squared log ratio", async () => {
  // ½ · 0.25 = 0.125; ½ · 1 = 0.5; 0; ½ · 4 = 2; ½ · 841 = 420.5.
  assertAllClose(await estimate("k2"), [0.125, 0.5, 0, 2, 420.5], TOL, "k2");
});

Deno.test("KL_ESTIMATORS.k3 is e^d - d - 1 with d = ref - logp, clamped to 10", async () => {
  // d = -0.5: e^-0.5 + 0.5 - 1 = 0.6065307 - 0.5 = 0.1065307
  // d = 1:    e - 1 - 1 = 0.7182818
  // d = 0:    1 - 0 - 1 = 0
  // d = 2:    e² - 2 - 1 = 7.3890561 - 3 = 4.3890561
  // d = 29:   d clamped to 20, e^20 - 21 = 4.85e8, clamped to 10.
  assertEquals([K3_LOG_RATIO_LIMIT, K3_VALUE_LIMIT], [20, 10]);
  const k3 = await estimate("k3");
  assertAllClose(k3, [0.1065307, 0.7182818, 0, 4.3890561, 10], TOL, "k3");
  assert(k3.every((v) => v >= 0), "k3 is never negative");
});

Deno.test("KL_ESTIMATORS.k3 has gradient 1 - e^(ref - logp), and 0 where it is clamped", async () => {
  // d/dlogp (e^d - d - 1) = -e^d + 1 with d = ref - logp:
  // d = -0.5: 1 - 0.6065307 = 0.3934693; d = 1: 1 - e = -1.7182818; d = 0: 0; d = 2: 1 - e² = -6.3890561;
  // d = 29: past both clamps, 0.
  const logp = tf.tensor2d(LOGP, [1, 5]);
  const ref = tf.tensor2d(REF, [1, 5]);
  const g = tf.grad((x: tf.Tensor) => tf.sum(KL_ESTIMATORS.k3(x, ref)))(logp);
  assertAllClose(await g.data(), [0.3934693, -1.7182818, 0, -6.3890561, 0], TOL, "d k3 / d logp");
  tf.dispose([logp, ref, g]);
});
