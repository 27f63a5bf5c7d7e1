/**
 * policyLoss() against hand-computed losses, metrics and gradients; its gradient against central finite
 * differences; which inputs gradients reach; errors; tensor counts. ε = 0.2 unless a test says otherwise,
 * so the clip range is [0.8, 1.2].
 */
import * as tf from "@tensorflow/tfjs";
import { assert, assertAllClose, assertAlmostEquals, assertEquals, assertThrows } from "../../assert.ts";
import { initBackend } from "../../../core/backend.ts";
import {
  LOSS_AGGREGATORS,
  type LossType,
  policyLoss,
  type PolicyLossOptions,
} from "../../../core/grpo/mod.ts";
import { disposeInputs, FD_CASE, fromRatios, gradOf, inputsOf, type LossCase, lossOf } from "./fixtures.ts";

await initBackend({ override: "cpu", log: () => {} });

/** float32 (ratios from exp(log r)) against float64 hand arithmetic. */
const TOL = 1e-6;

// Four one-token completions, one per side of the clip (T = 1, so every loss type is the mean):
//   A = +1, r = 1.5: above 1.2 with A > 0, clipped:       -min(1.5, 1.2)   = -1.2
//   A = -1, r = 0.5: below 0.8 with A < 0, clipped:       -min(-0.5, -0.8) =  0.8
//   A = +1, r = 0.5: below the range but A > 0, not:      -min(0.5, 0.8)   = -0.5
//   A = -1, r = 1.5: above the range but A < 0, not:      -min(-1.5, -1.2) =  1.5
// loss = (-1.2 + 0.8 - 0.5 + 1.5) / 4 = 0.15; 1 of 4 tokens clipped low, 1 high, 2 in all.
const CLIP_CASE = fromRatios([[1.5], [0.5], [0.5], [1.5]], [1, -1, 1, -1], [[1], [1], [1], [1]]);

Deno.test("policyLoss() clips the ratio at 1 - ε when A < 0 and at 1 + ε when A > 0, not on the other sides", async () => {
  const { loss, metrics } = await lossOf(CLIP_CASE, { lossType: "bnpo" });
  assertAlmostEquals(loss, 0.15, TOL, "loss");
  const undefinedKeys = { lossType: "bnpo", epsilon: undefined, epsilonHigh: undefined } as const;
  assertAlmostEquals(
    (await lossOf(CLIP_CASE, undefinedKeys)).loss,
    0.15,
    TOL,
    "undefined keys take defaults",
  );
  assertAlmostEquals(metrics["clip_ratio/low_mean"], 0.25, TOL, "low");
  assertAlmostEquals(metrics["clip_ratio/high_mean"], 0.25, TOL, "high");
  assertAlmostEquals(metrics["clip_ratio/region_mean"], 0.5, TOL, "region");
  // A clipped token has no gradient; the others d(-A r)/d log r / 4 = -A r / 4:
  // row 2: -0.5 / 4 = -0.125; row 3: 1.5 / 4 = 0.375.
  assertAllClose(await gradOf(CLIP_CASE, { lossType: "bnpo" }), [0, 0, -0.125, 0.375], TOL, "gradient");
});

Deno.test("policyLoss() clips above at 1 + epsilonHigh when it differs from epsilon", async () => {
  // ε_high = 0.6: r = 1.5 < 1.6 is no longer clipped for A = +1: -1.5 instead of -1.2.
  // loss = (-1.5 + 0.8 - 0.5 + 1.5) / 4 = 0.075; only the low clip remains.
  const { loss, metrics } = await lossOf(CLIP_CASE, { lossType: "bnpo", epsilonHigh: 0.6 });
  assertAlmostEquals(loss, 0.075, TOL, "loss");
  assertAlmostEquals(metrics["clip_ratio/low_mean"], 0.25, TOL, "low");
  assertAlmostEquals(metrics["clip_ratio/high_mean"], 0, TOL, "high");
  assertAlmostEquals(metrics["clip_ratio/region_mean"], 0.25, TOL, "region");
});

// Two completions, T = 3; row 1 has one real token and two padding tokens whose ratios (e^3 with A > 0,
// e^-3) would be clipped and dominate if they leaked in. All real ratios are inside [0.8, 1.2].
//   row 0: A = -1, r = 1.1, 0.9, 1.15 -> per token -A r = 1.1, 0.9, 1.15 (sum 3.15, mean 1.05)
//   row 1: A = +2, r = 1.1            -> -2.2
// Σ over real tokens = 3.15 - 2.2 = 0.95, over 4 tokens.
const MASKED_CASE = fromRatios(
  [[1.1, 0.9, 1.15], [1.1, Math.exp(3), Math.exp(-3)]],
  [-1, 2],
  [[1, 1, 1], [1, 0, 0]],
);

const LOSS_TYPE_GOLDEN: [LossType, Partial<PolicyLossOptions>, number, string][] = [
  ["grpo", {}, -0.575, "(1.05 + -2.2) / 2"],
  ["bnpo", {}, 0.2375, "0.95 / 4"],
  ["dr_grpo", { maxCompletionLength: 5 }, 0.095, "0.95 / (2 · 5)"],
  ["dapo", {}, 0.2375, "0.95 / 4 (this batch's tokens)"],
  ["dapo", { numItemsInBatch: 19 }, 0.05, "0.95 / 19"],
];

Deno.test("policyLoss() aggregates per-token losses as each lossType says", async () => {
  assertEquals(Object.keys(LOSS_AGGREGATORS).sort(), ["bnpo", "dapo", "dr_grpo", "grpo"]);
  for (const [lossType, extra, expected, arithmetic] of LOSS_TYPE_GOLDEN) {
    const { loss } = await lossOf(MASKED_CASE, { lossType, ...extra });
    assertAlmostEquals(loss, expected, TOL, `${lossType} ${JSON.stringify(extra)}: ${arithmetic}`);
  }
});

Deno.test("policyLoss() ignores masked tokens in the loss, the metrics and the gradient", async () => {
  const other: LossCase = { ...MASKED_CASE, logprobs: [MASKED_CASE.logprobs[0], [Math.log(1.1), -7, 4]] };
  for (const [lossType, extra, expected] of LOSS_TYPE_GOLDEN) {
    const opts = { lossType, ...extra };
    const a = await lossOf(MASKED_CASE, opts);
    const b = await lossOf(other, opts);
    assertAlmostEquals(b.loss, expected, TOL, `${lossType} with other padding`);
    assertEquals(a.metrics, b.metrics, lossType);
    assertEquals(a.metrics["clip_ratio/region_mean"], 0, `${lossType}: padding is never counted clipped`);
  }
  // bnpo: d(-A r)/d log r / 4 = -A r / 4: row 0 r / 4 = 0.275, 0.225, 0.2875; row 1 -2 · 1.1 / 4 = -0.55.
  // grpo: row 0 r / (2 · 3) = 0.1833333, 0.15, 0.1916667; row 1 -2 · 1.1 / (2 · 1) = -1.1.
  const bnpo = [0.275, 0.225, 0.2875, -0.55, 0, 0];
  const grpo = [1.1 / 6, 0.9 / 6, 1.15 / 6, -1.1, 0, 0];
  assertAllClose(await gradOf(MASKED_CASE, { lossType: "bnpo" }), bnpo, TOL, "bnpo gradient");
  assertAllClose(await gradOf(other, { lossType: "grpo" }), grpo, TOL, "grpo gradient");
});

Deno.test("policyLoss() gives a fully masked sequence zero weight, without NaN", async () => {
  // Row 0: A = +1, r = 1.1, 0.9 -> -1.1, -0.9 (mean -1). Row 1: fully masked, A = 3.
  // grpo: (-1 + 0) / 2 = -0.5 (row 1 still counts in N, as in TRL); bnpo: -2 / 2 = -1.
  // sequence level: row 0's log s = (log 1.1 + log 0.9) / 2, s = √0.99 = 0.9949874 -> -0.9949874;
  // row 1's log s = 0 / max(0, 1) = 0; grpo: -0.9949874 / 2 = -0.4974937.
  const c = fromRatios([[1.1, 0.9], [2, 0.1]], [1, 3], [[1, 1], [0, 0]]);
  assertAlmostEquals((await lossOf(c, { lossType: "grpo" })).loss, -0.5, TOL, "grpo");
  assertAlmostEquals((await lossOf(c, { lossType: "bnpo" })).loss, -1, TOL, "bnpo");
  const seq = await lossOf(c, { lossType: "grpo", importanceSamplingLevel: "sequence" });
  assertAlmostEquals(seq.loss, -0.4974937, TOL, "sequence grpo");
  const grad = await gradOf(c, { lossType: "grpo", importanceSamplingLevel: "sequence" });
  assert(grad.every(Number.isFinite), `gradient ${grad}`);
  assertAllClose(grad.subarray(2), [0, 0], 0, "the masked row's gradient");
  // Nothing unmasked at all: every loss type is 0 and so is every metric.
  const none = { ...c, mask: [[0, 0], [0, 0]], ref: [[0, 0], [0, 0]] };
  for (const [lossType, extra] of LOSS_TYPE_GOLDEN) {
    const { loss, metrics } = await lossOf(none, { lossType, ...extra, beta: 0.1 });
    assertEquals(loss, 0, lossType);
    assert(Object.values(metrics).every((v) => v === 0), `${lossType} metrics ${JSON.stringify(metrics)}`);
  }
});

// One completion of two tokens at r = 1 and A = 0, so the policy term is 0 and the loss is the penalty:
// d = ref - logp = -0.5 and 1 (logp -1, -2; ref -1.5, -1).
const KL_CASE: LossCase = {
  logprobs: [[-1, -2]],
  old: [[-1, -2]],
  ref: [[-1.5, -1]],
  advantages: [0],
  mask: [[1, 1]],
};

Deno.test("policyLoss() adds β times the chosen KL estimator, and reports its masked mean", async () => {
  // k1: logp - ref = 0.5, -1 (mean -0.25); k2: ½(logp - ref)² = 0.125, 0.5 (mean 0.3125);
  // k3: e^d - d - 1 = 0.1065307, 0.7182818 (mean 0.4124062). β = 0.1, bnpo: loss = 0.1 · mean.
  const means = { k1: -0.25, k2: 0.3125, k3: 0.4124062 } as const;
  for (const klEstimator of ["k1", "k2", "k3"] as const) {
    const { loss, metrics } = await lossOf(KL_CASE, { lossType: "bnpo", beta: 0.1, klEstimator });
    assertAlmostEquals(metrics.kl, means[klEstimator], TOL, `${klEstimator} metric`);
    assertAlmostEquals(loss, 0.1 * means[klEstimator], TOL, `${klEstimator} loss`);
  }
  // The default estimator is k3.
  assertAlmostEquals((await lossOf(KL_CASE, { lossType: "bnpo", beta: 0.1 })).loss, 0.04124062, TOL, "k3");
  // With β = 0 the reference only feeds the metric.
  const { loss, metrics } = await lossOf(KL_CASE, { lossType: "bnpo" });
  assertEquals(loss, 0);
  assertAlmostEquals(metrics.kl, 0.4124062, TOL, "kl metric at β = 0");
  assertEquals("kl" in (await lossOf({ ...KL_CASE, ref: undefined }, { lossType: "bnpo" })).metrics, false);
});

Deno.test("policyLoss() throws when beta > 0 and refLogprobs is missing", () => {
  const inputs = inputsOf({ ...KL_CASE, ref: undefined });
  const before = tf.memory().numTensors;
  assertThrows(() => policyLoss(inputs, { lossType: "bnpo", beta: 0.04 }), Error, "refLogprobs is missing");
  assertEquals(tf.memory().numTensors, before);
  disposeInputs(inputs);
});

Deno.test("policyLoss() subtracts entropyCoef times the entropy, aggregated like the loss", async () => {
  // Entropy 2 and 100 with the second token masked: metric 2; bnpo loss = 0 - 0.01 · 2 = -0.02.
  // d loss / d entropy = -0.01 on the real token, 0 on the masked one.
  const c: LossCase = { ...KL_CASE, ref: undefined, mask: [[1, 0]], entropy: [[2, 100]] };
  const { loss, metrics } = await lossOf(c, { lossType: "bnpo", entropyCoef: 0.01 });
  assertAlmostEquals(loss, -0.02, TOL, "loss");
  assertAlmostEquals(metrics.entropy, 2, TOL, "entropy metric");
  const inputs = inputsOf(c);
  const g = tf.grad((h: tf.Tensor) =>
    policyLoss({ ...inputs, entropy: h as tf.Tensor2D }, { lossType: "bnpo", entropyCoef: 0.01 }).loss
  )(inputs.entropy!);
  assertAllClose(await g.data(), [-0.01, 0], TOL, "d loss / d entropy");
  g.dispose();
  disposeInputs(inputs);
});

Deno.test("policyLoss() at importanceSamplingLevel sequence uses one ratio per sequence, the exp of its mean log ratio", async () => {
  // Row 0: A = +1, log ratios 0.3, -0.1, 0.4 -> mean 0.2, s = e^0.2 = 1.2214028 > 1.2: clipped, -1.2.
  // Row 1: A = -1, log ratios 0.1, -0.3 and a masked 5 -> mean -0.1, s = e^-0.1 = 0.9048374, in range:
  //        -min(-0.9048374, -0.9048374) = 0.9048374.
  // grpo: (-1.2 + 0.9048374) / 2 = -0.1475813. Clip fractions are over sequences (as TRL): high 1 / 2.
  const c: LossCase = {
    logprobs: [[0.3, -0.1, 0.4], [0.1, -0.3, 5]],
    old: [[0, 0, 0], [0, 0, 0]],
    advantages: [1, -1],
    mask: [[1, 1, 1], [1, 1, 0]],
  };
  const opts: PolicyLossOptions = { lossType: "grpo", importanceSamplingLevel: "sequence" };
  const { loss, metrics } = await lossOf(c, opts);
  assertAlmostEquals(loss, -0.1475813, TOL, "loss");
  assertAlmostEquals(metrics["clip_ratio/high_mean"], 0.5, TOL, "high");
  assertAlmostEquals(metrics["clip_ratio/low_mean"], 0, TOL, "low");
  // Row 0 is clipped: no gradient. Row 1: d/d logp_t of (1/N) · (-A) e^(log s) with
  // d log s / d logp_t = 1/|y| = 1/2: (1/2) · 0.9048374 · (1/2) = 0.2262094 on its two real tokens.
  assertAllClose(await gradOf(c, opts), [0, 0, 0, 0.2262094, 0.2262094, 0], TOL, "gradient");
});

Deno.test("policyLoss() with dualClip c holds the loss of a negative advantage at -c·A", async () => {
  // c = 3, T = 1, bnpo:
  //   A = -1, r = 4: standard -min(-4, -1.2) = 4, dual min(4, 3) = 3
  //   A = -1, r = 2: 2 < 3, unchanged 2
  //   A = +1, r = 4: A > 0, unchanged -min(4, 1.2) = -1.2
  // loss = (3 + 2 - 1.2) / 3 = 1.2666667 (without the dual clip (4 + 2 - 1.2) / 3 = 1.6).
  const c = fromRatios([[4], [2], [4]], [-1, -1, 1], [[1], [1], [1]]);
  const dual = await lossOf(c, { lossType: "bnpo", dualClip: 3 });
  assertAlmostEquals(dual.loss, 3.8 / 3, TOL, "dual-clipped loss");
  assertAlmostEquals(dual.metrics["clip_ratio/dual_mean"], 1 / 3, TOL, "dual clip fraction");
  const plain = await lossOf(c, { lossType: "bnpo" });
  assertAlmostEquals(plain.loss, 1.6, TOL, "loss without dual clip");
  assertEquals("clip_ratio/dual_mean" in plain.metrics, false);
  // Row 0 is held at the constant -c·A: no gradient. Row 1: -A r / 3 = 2 / 3. Row 2: clipped, 0.
  assertAllClose(await gradOf(c, { lossType: "bnpo", dualClip: 3 }), [0, 2 / 3, 0], TOL, "gradient");
});

/**
 * Central differences in float32: the loss (about 1) carries a rounding error near 1e-7, which the
 * quotient divides by 2h; its truncation error is h²/6 · |f'''|, f''' at most a few here (exp of log
 * ratios below 1.5, k3's e^d with |d| <= 1). h = 1e-2 balances the two at about 2e-5 each; 5e-4 leaves
 * a margin. No ratio is within h of a clip kink (see FD_CASE), where the derivative jumps.
 */
const FD_H = 1e-2;
const FD_TOL = 5e-4;

async function finiteDifferences(c: LossCase, opts: PolicyLossOptions): Promise<number[]> {
  const out: number[] = [];
  for (const [i, row] of c.logprobs.entries()) {
    for (const t of row.keys()) {
      const shifted = (delta: number) => ({
        ...c,
        logprobs: c.logprobs.map((r, j) => r.map((v, s) => (j === i && s === t ? v + delta : v))),
      });
      const up = (await lossOf(shifted(FD_H), opts)).loss;
      const down = (await lossOf(shifted(-FD_H), opts)).loss;
      out.push((up - down) / (2 * FD_H));
    }
  }
  return out;
}

Deno.test("policyLoss() has the gradient w.r.t. logprobs that central finite differences give", async () => {
  const configs: PolicyLossOptions[] = [
    { lossType: "grpo", beta: 0.04, dualClip: 3 },
    { lossType: "bnpo", beta: 0.5, klEstimator: "k2", epsilonHigh: 0.28 },
    { lossType: "dr_grpo", maxCompletionLength: 6, beta: 0.2, klEstimator: "k1" },
    { lossType: "dapo", numItemsInBatch: 20 },
    { lossType: "grpo", importanceSamplingLevel: "sequence", beta: 0.04 },
    { lossType: "bnpo", importanceSamplingLevel: "sequence", dualClip: 1.3 },
  ];
  for (const opts of configs) {
    const analytic = await gradOf(FD_CASE, opts);
    const numeric = await finiteDifferences(FD_CASE, opts);
    assertAllClose(analytic, numeric, FD_TOL, JSON.stringify(opts));
    assert(analytic.some((g) => Math.abs(g) > 1e-2), `${JSON.stringify(opts)}: a gradient to compare`);
  }
});

Deno.test("policyLoss() passes no gradient to oldLogprobs, refLogprobs or advantages", async () => {
  const inputs = inputsOf(FD_CASE);
  const grads = tf.grads((lp: tf.Tensor, old: tf.Tensor, ref: tf.Tensor, adv: tf.Tensor) =>
    policyLoss({
      logprobs: lp as tf.Tensor2D,
      oldLogprobs: old as tf.Tensor2D,
      refLogprobs: ref as tf.Tensor2D,
      advantages: adv as tf.Tensor1D,
      mask: inputs.mask,
    }, { lossType: "grpo", beta: 0.04 }).loss
  )([inputs.logprobs, inputs.oldLogprobs, inputs.refLogprobs!, inputs.advantages]);
  const [lp, old, ref, adv] = await Promise.all(grads.map((g) => g.data()));
  assert(lp.some((g) => g !== 0), "logprobs get a gradient");
  assertEquals([old, ref, adv].map((g) => g.every((v) => v === 0)), [true, true, true]);
  tf.dispose(grads);
  disposeInputs(inputs);
});

Deno.test("policyLoss() throws on inputs of the wrong shape and on bad options, naming them", () => {
  const inputs = inputsOf(FD_CASE);
  const before = tf.memory().numTensors;
  const bad: [Partial<typeof inputs>, PolicyLossOptions, string][] = [
    [{ mask: tf.ones([3, 3]) as tf.Tensor2D }, { lossType: "grpo" }, "mask has shape [3,3]"],
    [{ advantages: tf.ones([4]) as tf.Tensor1D }, { lossType: "grpo" }, "advantages has shape [4]"],
    [{}, { lossType: "dr_grpo" }, "maxCompletionLength"],
    [{}, { lossType: "ppo" as LossType }, 'unknown lossType "ppo"'],
    [{}, { lossType: "grpo", klEstimator: "k4" as "k1" }, 'unknown klEstimator "k4"'],
    [{}, { lossType: "grpo", dualClip: 1 }, "dualClip must be > 1"],
    [{}, { lossType: "grpo", epsilon: -0.1 }, "epsilon must be in [0, 1)"],
    [{}, { lossType: "dapo", numItemsInBatch: 0 }, "numItemsInBatch must be > 0"],
    [{}, { lossType: "grpo", entropyCoef: 0.01 }, "entropy input is missing"],
  ];
  for (const [override, opts, message] of bad) {
    const made = Object.values(override) as tf.Tensor[];
    assertThrows(() => policyLoss({ ...inputs, ...override }, opts), Error, message);
    tf.dispose(made);
  }
  assertEquals(tf.memory().numTensors, before, "tensors after the errors");
  disposeInputs(inputs);
});

Deno.test("policyLoss() leaves only the loss and the metrics behind, and tf.grad of it nothing", () => {
  const inputs = inputsOf({ ...FD_CASE, entropy: FD_CASE.old });
  const opts: PolicyLossOptions = { lossType: "grpo", beta: 0.04, dualClip: 3, entropyCoef: 0.01 };
  const before = tf.memory().numTensors;
  const { loss, metrics } = policyLoss(inputs, opts);
  assertEquals(Object.keys(metrics).sort(), [
    "clip_ratio/dual_mean",
    "clip_ratio/high_mean",
    "clip_ratio/low_mean",
    "clip_ratio/region_mean",
    "entropy",
    "kl",
  ]);
  tf.dispose([loss, ...Object.values(metrics)]);
  assertEquals(tf.memory().numTensors, before, "after policyLoss()");
  tf.grad((lp: tf.Tensor) => policyLoss({ ...inputs, logprobs: lp as tf.Tensor2D }, opts).loss)(
    inputs.logprobs,
  )
    .dispose();
  assertEquals(tf.memory().numTensors, before, "after tf.grad");
  disposeInputs(inputs);
});
