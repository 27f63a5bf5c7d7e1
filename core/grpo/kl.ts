/**
 * Per-token estimators of KL(π_θ || π_ref) from the log-probabilities of the sampled tokens (Schulman,
 * "Approximating KL divergence", 2020). logp and refLogp are [N, T]; each estimator returns [N, T]. With
 * the tokens sampled from π_θ, k1 is unbiased but noisy (and can be negative), k2 is biased and low
 * variance, k3 is unbiased, never negative, and low variance; GRPO (DeepSeekMath) uses k3.
 */
import * as tf from "@tensorflow/tfjs";

export type KlEstimator = "k1" | "k2" | "k3";

/**
 * k3 clamps its log ratio ref - logp to ±K3_LOG_RATIO_LIMIT before exp, as verl's low_var_kl does:
 * exp overflows float32 beyond 88.7, and an Inf there makes the loss and every gradient NaN.
 */
export const K3_LOG_RATIO_LIMIT = 20;

/**
 * k3's value is clamped to ±K3_VALUE_LIMIT, as in verl: one token the policy has moved far from the
 * reference (k3 grows like e^(ref - logp)) would otherwise dominate the whole batch's loss; past the limit
 * its gradient is zero. k3 >= 0, so only the upper limit ever binds.
 */
export const K3_VALUE_LIMIT = 10;

/** Each estimator: (logp [N, T], refLogp [N, T]) -> per-token KL [N, T]. */
export const KL_ESTIMATORS: Record<KlEstimator, (logp: tf.Tensor, refLogp: tf.Tensor) => tf.Tensor> = {
  /** k1 = logp - ref: the log ratio itself. */
  k1: (logp, refLogp) => tf.sub(logp, refLogp),
  /** k2 = ½ (logp - ref)². */
  k2: (logp, refLogp) => tf.tidy(() => tf.mul(0.5, tf.square(tf.sub(logp, refLogp)))),
  /** k3 = e^(ref - logp) - (ref - logp) - 1 (verl's low_var_kl), with verl's two clamps. */
  k3: (logp, refLogp) =>
    tf.tidy(() => {
      const d = tf.clipByValue(tf.sub(refLogp, logp), -K3_LOG_RATIO_LIMIT, K3_LOG_RATIO_LIMIT);
      const k3 = tf.sub(tf.sub(tf.exp(d), d), 1);
      return tf.clipByValue(k3, -K3_VALUE_LIMIT, K3_VALUE_LIMIT);
    }),
};
