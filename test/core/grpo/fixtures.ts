/**
 * Inputs for policyLoss() written as plain arrays, and helpers that run it and read the numbers back
 * (checking that nothing but the returned tensors is left behind). Ratios are given directly: a row's
 * logprobs are log(r) over old logprobs of 0 unless a case says otherwise.
 */
import * as tf from "@tensorflow/tfjs";
import { assertEquals } from "../../assert.ts";
import { policyLoss, type PolicyLossInputs, type PolicyLossOptions } from "../../../core/grpo/mod.ts";

export interface LossCase {
  /** log π_θ [N][T]. */
  logprobs: number[][];
  /** log π_θold [N][T]. */
  old: number[][];
  ref?: number[][];
  advantages: number[];
  mask: number[][];
  entropy?: number[][];
}

/** A case whose old logprobs are 0, so that the ratio of each token is the given r. */
export function fromRatios(ratios: number[][], advantages: number[], mask: number[][]): LossCase {
  return {
    logprobs: ratios.map((row) => row.map(Math.log)),
    old: ratios.map((row) => row.map(() => 0)),
    advantages,
    mask,
  };
}

/** The case's tensors; logprobs replaced by `logprobs` when given (for tf.grad). */
export function inputsOf(c: LossCase, logprobs?: tf.Tensor2D): PolicyLossInputs {
  return {
    logprobs: logprobs ?? tf.tensor2d(c.logprobs),
    oldLogprobs: tf.tensor2d(c.old),
    refLogprobs: c.ref ? tf.tensor2d(c.ref) : undefined,
    advantages: tf.tensor1d(c.advantages),
    mask: tf.tensor2d(c.mask),
    entropy: c.entropy ? tf.tensor2d(c.entropy) : undefined,
  };
}

export function disposeInputs(inputs: PolicyLossInputs): void {
  tf.dispose([
    inputs.logprobs,
    inputs.oldLogprobs,
    inputs.advantages,
    inputs.mask,
    ...(inputs.refLogprobs ? [inputs.refLogprobs] : []),
    ...(inputs.entropy ? [inputs.entropy] : []),
  ]);
}

export interface LossNumbers {
  loss: number;
  metrics: Record<string, number>;
}

/** policyLoss() of the case, read back; asserts it returned exactly the loss and metric tensors. */
export async function lossOf(c: LossCase, opts: PolicyLossOptions): Promise<LossNumbers> {
  const inputs = inputsOf(c);
  const before = tf.memory().numTensors;
  const { loss, metrics } = policyLoss(inputs, opts);
  const metricTensors = Object.values(metrics) as tf.Scalar[];
  assertEquals(tf.memory().numTensors, before + 1 + metricTensors.length, "tensors policyLoss() left");
  const out: LossNumbers = { loss: (await loss.data())[0], metrics: {} };
  for (const [name, t] of Object.entries(metrics)) out.metrics[name] = (await (t as tf.Scalar).data())[0];
  tf.dispose([loss, ...metricTensors]);
  disposeInputs(inputs);
  return out;
}

/** d loss / d logprobs of the case, [N * T] row-major, by tf.grad. */
export async function gradOf(c: LossCase, opts: PolicyLossOptions): Promise<Float32Array> {
  const inputs = inputsOf(c);
  const before = tf.memory().numTensors;
  const g = tf.grad((lp: tf.Tensor) => policyLoss({ ...inputs, logprobs: lp as tf.Tensor2D }, opts).loss)(
    inputs.logprobs,
  );
  assertEquals(tf.memory().numTensors, before + 1, "tensors tf.grad(policyLoss) left");
  const values = (await g.data()) as Float32Array;
  g.dispose();
  disposeInputs(inputs);
  return values;
}

/**
 * The FD case: N = 3, T = 4, the mask drops the last token of row 1 and the last two of row 2 (which
 * hold values that would dominate if they leaked in). Log ratios logp - old:
 *   row 0: 0.05, -0.35, 0.3, -0.1      A = 0.7
 *   row 1: 0.1, -0.4, 1.5, (9)         A = -1.3
 *   row 2: -0.05, 0.12, (2), (-2)      A = 0.4
 * Every unmasked one is at least 0.06 from the clip kinks log 0.8 = -0.223 and log 1.2 = 0.182 (and
 * 1.5 is 0.4 past dual clip's log 3 = 1.099); per-sequence means -0.025, 0.4, 0.035 are as far from them.
 * ref - logp is within ±1, far from k3's clamps.
 */
export const FD_CASE: LossCase = (() => {
  const old = [[-1.2, -0.7, -2.0, -0.3], [-0.9, -1.6, -0.4, -2.2], [-0.5, -1.1, -0.8, -1.9]];
  const logRatio = [[0.05, -0.35, 0.3, -0.1], [0.1, -0.4, 1.5, 9], [-0.05, 0.12, 2, -2]];
  const refOffset = [[0.3, -0.6, 0.9, -0.2], [-0.8, 0.4, 0.1, 0.5], [0.7, -0.9, 0.2, 0.6]];
  const logprobs = old.map((row, i) => row.map((o, t) => o + logRatio[i][t]));
  return {
    logprobs,
    old,
    ref: logprobs.map((row, i) => row.map((lp, t) => lp + refOffset[i][t])),
    advantages: [0.7, -1.3, 0.4],
    mask: [[1, 1, 1, 1], [1, 1, 1, 0], [1, 1, 0, 0]],
  };
})();
