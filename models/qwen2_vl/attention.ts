/**
 * Causal grouped-query self-attention of the Qwen2 decoder (q/k/v with bias, o without), with M-RoPE,
 * a padding mask and an optional KV cache. Shapes: B rows, T new tokens, Tc cached, Tt = Tc + T,
 * nH query heads, KV key/value heads, G = nH / KV, D = head_dim, H = hidden.
 */
import * as tf from "@tensorflow/tfjs";
import { applyRotary, linear } from "./layers.ts";
import type { KVCache } from "./kv_cache.ts";

/**
 * Additive score bias for masked keys. Finite (not -inf) so that a fully masked row (a left-padding
 * query) gives a uniform softmax instead of NaN; such rows are padding and their outputs are ignored.
 */
export const MASKED_SCORE = -1e9;

/**
 * attentionMask [B, Tt] (1 real, 0 pad) -> bias [B, 1, 1, T, Tt]: 0 where query i (absolute index
 * Tc + i) may see key j (j <= Tc + i and key j is real), MASKED_SCORE elsewhere.
 */
export function attentionBias(attentionMask: tf.Tensor2D, T: number): tf.Tensor {
  const [B, Tt] = attentionMask.shape;
  const Tc = Tt - T;
  const causal = new Float32Array(T * Tt);
  for (let i = 0; i < T; i++) for (let j = 0; j <= Tc + i; j++) causal[i * Tt + j] = 1;
  return tf.tidy(() => {
    const allowed = tf.mul(tf.tensor2d(causal, [T, Tt]), attentionMask.cast("float32").reshape([B, 1, Tt])); // [B, T, Tt]
    return tf.mul(tf.sub(1, allowed), MASKED_SCORE).reshape([B, 1, 1, T, Tt]);
  });
}

export interface AttentionWeights {
  qW: tf.Tensor;
  qB: tf.Tensor;
  kW: tf.Tensor;
  kB: tf.Tensor;
  vW: tf.Tensor;
  vB: tf.Tensor;
  oW: tf.Tensor;
}

/**
 * x [B, T, H] -> [B, T, H].
 *   q = x Wq^T + bq -> [B, T, nH, D] -> [B, nH, T, D], rotary;  k, v -> [B, KV, T, D], rotary on k
 *   cache: k, v -> [B, KV, Tt, D]
 *   q viewed as [B, KV, G*T, D] (query head h uses kv head h / G, as HF repeat_kv)
 *   scores [B, KV, G*T, Tt] -> [B, KV, G, T, Tt] + bias -> softmax -> x v -> [B, T, nH*D] -> o_proj
 */
export function selfAttention(
  x: tf.Tensor3D,
  w: AttentionWeights,
  heads: { nH: number; KV: number },
  cos: tf.Tensor,
  sin: tf.Tensor,
  bias: tf.Tensor,
  cache: KVCache | undefined,
  layer: number,
): tf.Tensor3D {
  const [B, T, H] = x.shape;
  const { nH, KV } = heads;
  const D = H / nH;
  const G = nH / KV;
  const split = (y: tf.Tensor, n: number) => y.reshape([B, T, n, D]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
  const q = applyRotary(split(linear(x, w.qW, w.qB), nH), cos, sin);
  let k = applyRotary(split(linear(x, w.kW, w.kB), KV), cos, sin) as tf.Tensor4D;
  let v = split(linear(x, w.vW, w.vB), KV);
  if (cache) ({ k, v } = cache.append(layer, k, v));
  const Tt = k.shape[2];
  const scores = tf.mul(tf.matMul(q.reshape([B, KV, G * T, D]), k, false, true), 1 / Math.sqrt(D));
  const probs = tf.softmax(tf.add(scores.reshape([B, KV, G, T, Tt]), bias)).reshape([B, KV, G * T, Tt]);
  const out = tf.matMul(probs, v).reshape([B, nH, T, D]).transpose([0, 2, 1, 3]).reshape([B, T, nH * D]);
  return linear(out, w.oW) as tf.Tensor3D;
}
