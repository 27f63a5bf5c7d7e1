/**
 * Sums and means over the tokens a 0/1 mask keeps. The mask is float32 [N, T] (1 = a completion token,
 * 0 = padding); x is [N, T] or broadcastable to it ([N, 1] for a per-sequence value). Positions the mask
 * drops must still hold finite numbers: they are multiplied by 0, and 0 * Inf is NaN.
 */
import * as tf from "@tensorflow/tfjs";

/**
 * The smallest token count a mean divides by: a fully masked sequence (or batch) has a sum of 0 over 0
 * tokens, and 0 / max(0, 1) = 0 where 0 / 0 would be NaN. TRL clamps the same way (clamp(min=1.0)).
 */
export const MIN_TOKEN_COUNT = 1;

/** Σ x·mask over every token: a scalar. */
export function maskedSum(x: tf.Tensor, mask: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.mul(x, mask)));
}

/** Σ x·mask / max(Σ mask, 1) over every token: a scalar (0 when nothing is kept). */
export function maskedMean(x: tf.Tensor, mask: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.div(maskedSum(x, mask), tf.maximum(tf.sum(mask), MIN_TOKEN_COUNT)));
}

/** Per row: Σ_t x·mask / max(Σ_t mask, 1), [N, T] -> [N] (0 for a fully masked row). */
export function rowMaskedMean(x: tf.Tensor, mask: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.div(tf.sum(tf.mul(x, mask), 1), tf.maximum(tf.sum(mask, 1), MIN_TOKEN_COUNT)));
}
