/** Small differentiable building blocks shared by the vision tower and the decoder. */
import * as tf from "@tensorflow/tfjs";

/** LayerNorm epsilon of the vision tower and the merger (HF: nn.LayerNorm(eps=1e-6)). */
export const VISION_LN_EPS = 1e-6;

/**
 * Linear layer with a PyTorch-layout weight. x [..., in], w [out, in], b [out] -> [..., out].
 * The leading dims are flattened for one 2-D matMul.
 */
export function linear(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const inDim = x.shape[x.rank - 1];
  const outDim = w.shape[0];
  const x2 = x.reshape([-1, inDim]);
  let y: tf.Tensor = tf.matMul(x2, w as tf.Tensor2D, false, true);
  if (b) y = tf.add(y, b);
  return y.reshape([...x.shape.slice(0, -1), outDim]);
}

/** LayerNorm over the last axis. x [..., E], w/b [E]. */
export function layerNorm(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, eps = VISION_LN_EPS): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), w), b);
}

/** RMSNorm (Qwen2): x * rsqrt(mean(x^2) + eps) * w. x [..., H], w [H]. */
export function rmsNorm(x: tf.Tensor, w: tf.Tensor, eps: number): tf.Tensor {
  const ms = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), w);
}

/** QuickGELU of the ViT MLP: x * sigmoid(1.702 x). */
export function quickGelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(tf.mul(x, 1.702)));
}

/** Exact GELU of the merger (torch nn.GELU()): 0.5 x (1 + erf(x / sqrt 2)). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

/** SiLU of the SwiGLU MLP: x * sigmoid(x). */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

/** rotate_half: x [..., D] -> cat(-x[..., D/2:], x[..., :D/2]). */
export function rotateHalf(x: tf.Tensor): tf.Tensor {
  const half = x.shape[x.rank - 1] / 2;
  const [x1, x2] = tf.split(x, [half, half], -1);
  return tf.concat([tf.neg(x2), x1], -1);
}

/** Rotary embedding: x * cos + rotate_half(x) * sin; cos/sin broadcast against x [..., D]. */
export function applyRotary(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor {
  return tf.add(tf.mul(x, cos), tf.mul(rotateHalf(x), sin));
}

/**
 * Row lookup table [N, D], indices int32 [M] -> [M, D]. Forward is tf.gather. The wasm backend lacks
 * UnsortedSegmentSum, which gather's gradient needs, so there the gradient is matMul(oneHot^T, dy)
 * ([N, M] x [M, D]); other backends keep gather's own gradient (a one-hot over a 151936-row vocabulary
 * would be far too large on a real checkpoint). The one-hot is made int32 and cast: wasm's OneHot with
 * dtype float32 writes integer bit patterns (tfjs 4.22).
 */
export function gatherRows(table: tf.Tensor, indices: tf.Tensor1D): tf.Tensor2D {
  if (tf.getBackend() !== "wasm") return tf.gather(table, indices) as tf.Tensor2D;
  const n = table.shape[0];
  // The indices are saved (kept) for the backward pass: a surrounding tf.tidy frees the original.
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    (args[1] as tf.GradSaveFunc)([indices]);
    return {
      value: tf.gather(args[0] as tf.Tensor, indices),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.matMul(tf.oneHot(saved[0] as tf.Tensor1D, n).cast("float32"), dy as tf.Tensor2D, true, false),
    };
  });
  return f(table) as tf.Tensor2D;
}
