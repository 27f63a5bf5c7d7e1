/**
 * tfjs has no stop_gradient (torch's .detach()); this is one: the forward pass is the identity and the
 * backward pass returns zeros, so a value built from it is a constant to tf.grad and tf.variableGrads.
 */
import * as tf from "@tensorflow/tfjs";

const identityWithZeroGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
});

/** x as a constant: same values, no gradient flows back through it. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return identityWithZeroGradient(x) as T;
}
