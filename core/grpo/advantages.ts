/**
 * GRPO's group-relative advantages (DeepSeekMath, outcome supervision): each completion's reward minus
 * the mean reward of its group (the G completions of one prompt), divided by a standard deviation.
 * Rewards are laid out group after group: [B*G], rows b*G .. b*G + G - 1 share a prompt. Rewards are
 * finite numbers the caller has already combined (NaN is not handled here).
 */
import * as tf from "@tensorflow/tfjs";

/**
 * ε added to the std before dividing, so that a tiny spread does not blow up: TRL's 1e-4. (verl uses
 * 1e-6.)
 */
export const ADVANTAGE_EPSILON = 1e-4;

/**
 * What the centred reward is divided by (TRL's scale_rewards): "group" its group's std (GRPO), "batch"
 * the std of every reward in the batch, "none" nothing (Dr. GRPO, which argues the std adds a
 * difficulty bias).
 */
export type RewardScaling = "group" | "batch" | "none";

export interface AdvantageOptions {
  scaleRewards: RewardScaling;
  /** Added to the std before dividing; default ADVANTAGE_EPSILON. */
  epsilon?: number;
}

/**
 * Unbiased (n - 1 in the denominator) std along `axis`, kept as a size-1 axis. TRL uses torch.std, whose
 * default is the unbiased estimate; we match it, so a group [1, 0, 0, 1] has std 0.57735, not 0.5.
 */
function unbiasedStd(x: tf.Tensor, axis: number): tf.Tensor {
  const n = x.shape[axis];
  const centred = tf.sub(x, tf.mean(x, axis, true));
  return tf.sqrt(tf.div(tf.sum(tf.square(centred), axis, true), n - 1));
}

/** The std each centred reward of grouped [B, G] is divided by (broadcastable to [B, G]); null: none. */
const REWARD_SCALES: Record<RewardScaling, (grouped: tf.Tensor2D) => tf.Tensor | null> = {
  group: (grouped) => unbiasedStd(grouped, 1), // [B, 1]
  batch: (grouped) => unbiasedStd(tf.reshape(grouped, [-1]), 0), // [1]
  none: () => null,
};

/** rewards [B*G] as [B, G], after checking the layout; throws on a length that is not a multiple of G. */
function grouped(rewards: tf.Tensor1D, numGenerations: number): tf.Tensor2D {
  if (!Number.isInteger(numGenerations) || numGenerations < 2) {
    throw new Error(
      `numGenerations must be an integer >= 2 (a group of one has no baseline), got ${numGenerations}`,
    );
  }
  if (rewards.rank !== 1) throw new Error(`rewards must be 1-D [B*G], got shape [${rewards.shape}]`);
  const n = rewards.shape[0];
  if (n === 0 || n % numGenerations !== 0) {
    throw new Error(`rewards has ${n} entries, not a positive multiple of numGenerations ${numGenerations}`);
  }
  return tf.reshape(rewards, [-1, numGenerations]);
}

/**
 * [B, 1] booleans: the group's rewards are all equal (max == min, exact). Tested exactly rather than as
 * std == 0 because float32's mean of equal values can be off by an ulp (0.1 + 0.1 + 0.1 != 0.3), and that
 * ulp over (0 + ε) would be a spurious advantage of about 1e-4. TRL tests isclose(std, 0) (atol 1e-8).
 */
function flatGroups(groups: tf.Tensor2D): tf.Tensor {
  return tf.equal(tf.max(groups, 1, true), tf.min(groups, 1, true));
}

/**
 * Advantages [B*G] of rewards [B*G]: (r - mean of its group) / (std + ε), the std chosen by
 * opts.scaleRewards. A group whose rewards are all equal gets exactly 0 (it carries no signal).
 */
export function advantages(
  rewards: tf.Tensor1D,
  numGenerations: number,
  opts: AdvantageOptions,
): tf.Tensor1D {
  const scale = REWARD_SCALES[opts.scaleRewards];
  if (!scale) {
    throw new Error(`unknown scaleRewards "${opts.scaleRewards}": use one of ${Object.keys(REWARD_SCALES)}`);
  }
  const epsilon = opts.epsilon ?? ADVANTAGE_EPSILON;
  if (!(epsilon >= 0)) throw new Error(`epsilon must be >= 0, got ${epsilon}`);
  return tf.tidy(() => {
    const groups = grouped(rewards, numGenerations); // [B, G]
    const centred = tf.sub(groups, tf.mean(groups, 1, true)); // [B, G]
    const std = scale(groups);
    const scaled = std === null ? centred : tf.div(centred, tf.add(std, epsilon));
    return tf.reshape(tf.where(flatGroups(groups), tf.zerosLike(scaled), scaled), [-1]) as tf.Tensor1D;
  });
}

/**
 * The fraction of groups whose rewards are all equal (TRL's frac_reward_zero_std): those groups have zero
 * advantage and teach nothing this step.
 */
export async function zeroStdGroupFraction(rewards: tf.Tensor1D, numGenerations: number): Promise<number> {
  const fraction = tf.tidy(() => tf.mean(tf.cast(flatGroups(grouped(rewards, numGenerations)), "float32")));
  const value = (await fraction.data())[0];
  fraction.dispose();
  return value;
}
