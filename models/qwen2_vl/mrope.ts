/**
 * Multimodal rotary embedding of the decoder (HF Qwen2VLRotaryEmbedding + apply_multimodal_rotary_pos_emb).
 * Frequency f (of D/2) belongs to axis t, h or w by mrope_section; its angle is pos[axis] * invFreq[f].
 * The D/2 angles are repeated (cat(freqs, freqs)) to match rotate_half.
 */
import * as tf from "@tensorflow/tfjs";
import { type Qwen2VLConfig, textHeadDim } from "./config.ts";

/**
 * Axis-selection matrix [3, D/2]: row a holds invFreq[f] where frequency f belongs to axis a, else 0.
 * pos [N, 3] x this = angles [N, D/2].
 */
export function mropeFrequencyMatrix(config: Qwen2VLConfig): Float32Array {
  const D = textHeadDim(config);
  const half = D / 2;
  const out = new Float32Array(3 * half);
  const sections = config.rope_scaling.mrope_section;
  let f = 0;
  for (let a = 0; a < 3; a++) {
    for (let k = 0; k < sections[a]; k++, f++) {
      out[a * half + f] = Math.fround(1 / Math.pow(config.rope_theta, (2 * f) / D));
    }
  }
  return out;
}

/** positionIds [3, B, T] int32 -> cos, sin [B, 1, T, D] to broadcast over heads. */
export function mropeCosSin(
  config: Qwen2VLConfig,
  positionIds: tf.Tensor3D,
): { cos: tf.Tensor4D; sin: tf.Tensor4D } {
  const [three, B, T] = positionIds.shape;
  if (three !== 3) throw new Error(`positionIds must be [3, B, T], got [${positionIds.shape}]`);
  const D = textHeadDim(config);
  return tf.tidy(() => {
    const pos = positionIds.cast("float32").reshape([3, B * T]); // [3, N]
    const freqs = tf.tensor2d(mropeFrequencyMatrix(config), [3, D / 2]);
    const angles = tf.matMul(pos, freqs, true, false); // [N, D/2], one non-zero term per column
    const emb = tf.concat([angles, angles], -1).reshape([B, 1, T, D]);
    return { cos: tf.cos(emb) as tf.Tensor4D, sin: tf.sin(emb) as tf.Tensor4D };
  });
}
