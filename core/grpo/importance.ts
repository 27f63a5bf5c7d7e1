/**
 * The importance weight w = π_θ / π_θold that the clipped objective multiplies the advantage by, in log
 * space, for each importance-sampling level. logprobs, oldLogprobs and mask are [N, T].
 */
import * as tf from "@tensorflow/tfjs";
import { rowMaskedMean } from "./masked.ts";

/**
 * "token": one ratio per token (PPO, GRPO). "sequence": GSPO's one ratio per sequence,
 * s_i = (π_θ(y_i) / π_θold(y_i))^(1/|y_i|), the geometric mean of its token ratios.
 */
export type ImportanceSamplingLevel = "token" | "sequence";

export interface ImportanceWeighting {
  /** log w: [N, T] (one per token) or [N, 1] (one per sequence, broadcast over its tokens). */
  logWeights(logprobs: tf.Tensor2D, oldLogprobs: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D;
  /**
   * One weight per sequence: TRL then reports clip fractions as a fraction of sequences (a plain mean
   * over the [N, 1] weights) rather than of tokens; we do the same.
   */
  perSequence: boolean;
}

export const IMPORTANCE_WEIGHTS: Record<ImportanceSamplingLevel, ImportanceWeighting> = {
  token: {
    logWeights: (logprobs, oldLogprobs) => tf.sub(logprobs, oldLogprobs),
    perSequence: false,
  },
  /**
   * log s_i = mean over the sequence's unmasked tokens of (logp - old), [N, 1]; a fully masked sequence
   * gets 0 (ratio 1), not 0/0, as rowMaskedMean divides by max(count, 1).
   *
   * The gradient flows through the mean, as in TRL's importance_sampling_level="sequence": token t of
   * sequence i gets (1/|y_i|) Σ_t' c_t' f'(log s_i), where c_t' is the aggregation weight of token t'
   * and f the per-token objective. GSPO-token (TRL's "sequence_token", verl's gspo loss) instead writes
   * log w_i,t = logp_t - sg[logp_t] + sg[log s_i] and gives token t just c_t f'(log s_i). Every loss
   * aggregator here weights the tokens of one sequence equally (c_t' = c_t), so with one advantage per
   * sequence the two gradients are the same; the detach form only matters for per-token advantages,
   * which this module does not take.
   */
  sequence: {
    logWeights: (logprobs, oldLogprobs, mask) =>
      tf.tidy(() => tf.expandDims(rowMaskedMean(tf.sub(logprobs, oldLogprobs), mask), 1) as tf.Tensor2D),
    perSequence: true,
  },
};
