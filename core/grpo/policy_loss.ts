/**
 * GRPO's clipped policy loss on one micro-batch, from per-token log-probabilities:
 *
 *   r = π_θ / π_θold (per token, or per sequence for GSPO)
 *   per-token loss = -min(r·A, clip(r, 1 - ε, 1 + ε_high)·A) + β·KL(π_θ || π_ref) - entropyCoef·H
 *
 * (with verl's dual clip, for A < 0: min(that surrogate, -c·A)), aggregated to a scalar by the loss
 * type. Shapes: N completions of at most T tokens; logprobs, oldLogprobs, refLogprobs, mask and entropy
 * are [N, T], advantages [N].
 */
import * as tf from "@tensorflow/tfjs";
import { IMPORTANCE_WEIGHTS, type ImportanceSamplingLevel } from "./importance.ts";
import { KL_ESTIMATORS, type KlEstimator } from "./kl.ts";
import { LOSS_AGGREGATORS, type LossType } from "./loss_aggregation.ts";
import { maskedMean } from "./masked.ts";
import { stopGradient } from "./stop_gradient.ts";

/**
 * The log importance weight is clamped to ±LOG_RATIO_LIMIT before exp, as verl does: exp overflows
 * float32 beyond 88.7 and an Inf ratio makes the loss NaN. A ratio of e^20 is far outside any clip range,
 * so only a policy that has already diverged ever meets the clamp.
 */
export const LOG_RATIO_LIMIT = 20;

export interface PolicyLossInputs {
  /** log π_θ of each sampled token [N, T]: the one input gradients flow to. */
  logprobs: tf.Tensor2D;
  /** log π_θold [N, T], of the policy that sampled: a constant (passed through stopGradient). */
  oldLogprobs: tf.Tensor2D;
  /** log π_ref [N, T], a constant; required when beta > 0, and gives the kl metric whenever present. */
  refLogprobs?: tf.Tensor2D;
  /** One advantage per completion [N], a constant. */
  advantages: tf.Tensor1D;
  /** float32 [N, T], 1 on completion tokens, 0 on padding. Padding must hold finite logprobs. */
  mask: tf.Tensor2D;
  /**
   * Per-token entropy of π_θ [N, T], computed by the caller from the logits; required when
   * entropyCoef != 0. Not a constant: the bonus's gradient flows back through it to the caller's logits.
   */
  entropy?: tf.Tensor2D;
}

export interface PolicyLossOptions {
  /** How per-token losses become one scalar; see LOSS_AGGREGATORS. No default: TRL's has changed. */
  lossType: LossType;
  /** ε (ε_low): ratios below 1 - ε are clipped when A < 0. Default 0.2. */
  epsilon?: number;
  /** ε_high (DAPO's clip-higher): ratios above 1 + ε_high are clipped when A > 0. Default: epsilon. */
  epsilonHigh?: number;
  /**
   * c of dual-clip PPO (Ye et al. 2020, verl's clip_ratio_c), > 1: for A < 0 the loss is at most -c·A,
   * however large r grows. Default: off.
   */
  dualClip?: number;
  /** β, the weight of the KL penalty against the reference policy. Default 0 (no reference needed). */
  beta?: number;
  /** Which per-token KL estimator the penalty uses; see KL_ESTIMATORS. Default "k3". */
  klEstimator?: KlEstimator;
  /** Weight of the entropy bonus (subtracted from the loss). Default 0. */
  entropyCoef?: number;
  /** One ratio per token or per sequence (GSPO); see IMPORTANCE_WEIGHTS. Default "token". */
  importanceSamplingLevel?: ImportanceSamplingLevel;
  /** dr_grpo's normaliser (TRL's max_completion_length); required by dr_grpo. */
  maxCompletionLength?: number;
  /** dapo's normaliser: unmasked tokens of the whole accumulated batch. Default: this micro-batch's. */
  numItemsInBatch?: number;
}

export const POLICY_LOSS_DEFAULTS = Object.freeze({
  epsilon: 0.2,
  beta: 0,
  klEstimator: "k3" as KlEstimator,
  entropyCoef: 0,
  importanceSamplingLevel: "token" as ImportanceSamplingLevel,
});

/**
 * Scalars for logging, named as TRL logs them. Clip fractions are over unmasked tokens, or over
 * sequences at importance level "sequence" (as TRL).
 */
export type PolicyLossMetrics = {
  /** r < 1 - ε and A < 0: the clip stops pushing the token's probability further down. */
  "clip_ratio/low_mean": tf.Scalar;
  /** r > 1 + ε_high and A > 0: the clip stops pushing the probability further up. */
  "clip_ratio/high_mean": tf.Scalar;
  /** Either of the two. */
  "clip_ratio/region_mean": tf.Scalar;
  /** With dualClip: r > c and A < 0, where the loss is held at -c·A (verl's pg_clipfrac_lower). */
  "clip_ratio/dual_mean"?: tf.Scalar;
  /** Masked mean of the per-token KL estimate, when refLogprobs is given. */
  kl?: tf.Scalar;
  /** Masked mean of the entropy, when given. */
  entropy?: tf.Scalar;
};

/** A type alias, not an interface, so that tf.tidy accepts it as a TensorContainer. */
export type PolicyLoss = {
  loss: tf.Scalar;
  metrics: PolicyLossMetrics;
};

function checkShape(name: string, t: tf.Tensor, shape: number[]): void {
  if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${name} has shape [${t.shape}], expected [${shape}] (logprobs is [N, T])`);
  }
}

function checkOption(name: string, value: number | undefined, ok: (v: number) => boolean, rule: string) {
  if (value !== undefined && !ok(value)) throw new Error(`option ${name} must be ${rule}, got ${value}`);
}

function checkInputs(inputs: PolicyLossInputs, opts: PolicyLossOptions): void {
  const { logprobs } = inputs;
  if (logprobs.rank !== 2) throw new Error(`logprobs must be [N, T], got shape [${logprobs.shape}]`);
  const [n, t] = logprobs.shape;
  checkShape("oldLogprobs", inputs.oldLogprobs, [n, t]);
  checkShape("advantages", inputs.advantages, [n]);
  checkShape("mask", inputs.mask, [n, t]);
  if (inputs.refLogprobs) checkShape("refLogprobs", inputs.refLogprobs, [n, t]);
  if (inputs.entropy) checkShape("entropy", inputs.entropy, [n, t]);
  if ((opts.beta ?? 0) > 0 && !inputs.refLogprobs) {
    throw new Error(`beta is ${opts.beta} but refLogprobs is missing: the KL penalty needs the reference`);
  }
  if ((opts.entropyCoef ?? 0) !== 0 && !inputs.entropy) {
    throw new Error(`entropyCoef is ${opts.entropyCoef} but the entropy input is missing`);
  }
}

function checkOptions(opts: PolicyLossOptions): void {
  const tables: [string, string | undefined, object][] = [
    ["lossType", opts.lossType, LOSS_AGGREGATORS],
    ["klEstimator", opts.klEstimator, KL_ESTIMATORS],
    ["importanceSamplingLevel", opts.importanceSamplingLevel, IMPORTANCE_WEIGHTS],
  ];
  for (const [name, value, table] of tables) {
    if (value !== undefined && !Object.hasOwn(table, value)) {
      throw new Error(`unknown ${name} "${value}": use one of ${Object.keys(table).join(", ")}`);
    }
  }
  checkOption("epsilon", opts.epsilon, (v) => v >= 0 && v < 1, "in [0, 1)");
  checkOption("epsilonHigh", opts.epsilonHigh, (v) => v >= 0, ">= 0");
  checkOption("dualClip", opts.dualClip, (v) => v > 1, "> 1");
  checkOption("beta", opts.beta, (v) => v >= 0, ">= 0");
  checkOption("entropyCoef", opts.entropyCoef, Number.isFinite, "a finite number");
}

/**
 * The loss (a scalar whose gradient w.r.t. inputs.logprobs, and inputs.entropy if given, is the policy
 * gradient) and its metrics. Every returned tensor belongs to the caller. Inside tf.variableGrads, which
 * keeps only the returned loss, tf.keep the metrics to read them afterwards.
 */
export function policyLoss(inputs: PolicyLossInputs, opts: PolicyLossOptions): PolicyLoss {
  checkOptions(opts);
  checkInputs(inputs, opts);
  // `??` per field rather than a spread, so that a key present but undefined still takes its default.
  const d = POLICY_LOSS_DEFAULTS;
  const o = {
    ...opts,
    epsilon: opts.epsilon ?? d.epsilon,
    beta: opts.beta ?? d.beta,
    klEstimator: opts.klEstimator ?? d.klEstimator,
    entropyCoef: opts.entropyCoef ?? d.entropyCoef,
    importanceSamplingLevel: opts.importanceSamplingLevel ?? d.importanceSamplingLevel,
  };
  const epsilonHigh = opts.epsilonHigh ?? o.epsilon;
  const weighting = IMPORTANCE_WEIGHTS[o.importanceSamplingLevel];
  const { logprobs, mask } = inputs;
  const n = logprobs.shape[0];
  return tf.tidy((): PolicyLoss => {
    const oldLogprobs = stopGradient(inputs.oldLogprobs);
    const advantage = tf.reshape(stopGradient(inputs.advantages), [n, 1]); // [N, 1]
    const logWeight = weighting.logWeights(logprobs, oldLogprobs, mask); // [N, T] or [N, 1]
    const ratio = tf.exp(tf.clipByValue(logWeight, -LOG_RATIO_LIMIT, LOG_RATIO_LIMIT));
    const clippedRatio = tf.clipByValue(ratio, 1 - o.epsilon, 1 + epsilonHigh);
    // The pessimistic of the two surrogates: once r is past the clip on the side A favours, the clipped
    // one is smaller and has no gradient.
    const surrogate = tf.neg(tf.minimum(tf.mul(ratio, advantage), tf.mul(clippedRatio, advantage)));
    const negative = tf.less(advantage, 0); // [N, 1]
    const policyTerm = o.dualClip === undefined
      ? surrogate
      : tf.where(negative, tf.minimum(surrogate, tf.mul(-o.dualClip, advantage)), surrogate);

    const terms: tf.Tensor[] = [policyTerm];
    const kl = inputs.refLogprobs
      ? KL_ESTIMATORS[o.klEstimator](logprobs, stopGradient(inputs.refLogprobs))
      : null;
    if (kl && o.beta > 0) terms.push(tf.mul(o.beta, kl));
    if (inputs.entropy && o.entropyCoef !== 0) terms.push(tf.mul(-o.entropyCoef, inputs.entropy));
    // Every aggregator is linear, so aggregating the sum of the terms equals summing their aggregates.
    // Chained adds, not tf.addN: addN of 3 or more tensors is wrong on the webgpu backend (tfjs 4.22).
    const perToken = terms.reduce((sum, term) => tf.add(sum, term));
    const loss = LOSS_AGGREGATORS[o.lossType](perToken, mask, {
      maxCompletionLength: o.maxCompletionLength,
      numItemsInBatch: o.numItemsInBatch,
    });

    const batchMean = (flags: tf.Tensor): tf.Scalar => {
      const x = tf.cast(flags, "float32");
      return weighting.perSequence ? tf.mean(x) : maskedMean(x, mask);
    };
    const low = tf.logicalAnd(tf.less(ratio, 1 - o.epsilon), negative);
    const high = tf.logicalAnd(tf.greater(ratio, 1 + epsilonHigh), tf.greater(advantage, 0));
    const metrics: PolicyLossMetrics = {
      "clip_ratio/low_mean": batchMean(low),
      "clip_ratio/high_mean": batchMean(high),
      "clip_ratio/region_mean": batchMean(tf.logicalOr(low, high)),
    };
    if (o.dualClip !== undefined) {
      metrics["clip_ratio/dual_mean"] = batchMean(tf.logicalAnd(tf.greater(ratio, o.dualClip), negative));
    }
    if (kl) metrics.kl = maskedMean(kl, mask);
    if (inputs.entropy) metrics.entropy = maskedMean(inputs.entropy, mask);
    return { loss, metrics };
  });
}
