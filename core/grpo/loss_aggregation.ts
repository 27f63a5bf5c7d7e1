/**
 * How the per-token loss [N, T] becomes one scalar (TRL's loss_type). They differ in how a long
 * completion's tokens are weighted against a short one's. perToken may be [N, 1] (one value per
 * sequence): it is broadcast over the sequence's tokens.
 */
import * as tf from "@tensorflow/tfjs";
import { maskedMean, maskedSum, MIN_TOKEN_COUNT, rowMaskedMean } from "./masked.ts";

export type LossType = "grpo" | "bnpo" | "dr_grpo" | "dapo";

export interface AggregationContext {
  /** dr_grpo's constant per-sequence normaliser (TRL's max_completion_length). */
  maxCompletionLength?: number;
  /**
   * dapo's normaliser: the unmasked tokens of the whole batch this micro-batch is accumulated into, so
   * that every token of the step has the same weight. Default: this micro-batch's unmasked tokens.
   */
  numItemsInBatch?: number;
}

export type LossAggregator = (perToken: tf.Tensor, mask: tf.Tensor2D, ctx: AggregationContext) => tf.Scalar;

export const LOSS_AGGREGATORS: Record<LossType, LossAggregator> = {
  /**
   * DeepSeekMath's: mean over each sequence's tokens, then mean over sequences. A fully masked sequence
   * counts as 0 (rowMaskedMean divides by max(count, 1)) and still counts in the N.
   */
  grpo: (perToken, mask) => tf.tidy(() => tf.mean(rowMaskedMean(perToken, mask))),
  /** Σ over every unmasked token / max(their count, 1): each token of the micro-batch weighs the same. */
  bnpo: (perToken, mask) => maskedMean(perToken, mask),
  /** Dr. GRPO: Σ over tokens / (N · maxCompletionLength), a constant that carries no length bias. */
  dr_grpo: (perToken, mask, ctx) => {
    const maxLength = ctx.maxCompletionLength;
    if (maxLength === undefined || !(maxLength > 0)) {
      throw new Error(`lossType dr_grpo needs maxCompletionLength > 0, got ${maxLength}`);
    }
    return tf.tidy(() => tf.div(maskedSum(perToken, mask), mask.shape[0] * maxLength));
  },
  /** DAPO: Σ over tokens / the unmasked tokens of the whole accumulated batch (numItemsInBatch). */
  dapo: (perToken, mask, ctx) => {
    const items = ctx.numItemsInBatch;
    if (items !== undefined && !(items > 0)) throw new Error(`numItemsInBatch must be > 0, got ${items}`);
    return tf.tidy(() => {
      const normaliser = items ?? tf.maximum(tf.sum(mask), MIN_TOKEN_COUNT);
      return tf.div(maskedSum(perToken, mask), normaliser);
    });
  },
};
