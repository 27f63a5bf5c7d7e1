/**
 * Qwen2 decoder: embedding (+ image features in place of image tokens), num_hidden_layers x
 * { x += attn(RMSNorm x); x += down(silu(gate h) * up h) with h = RMSNorm x }, final RMSNorm, LM head.
 * Shapes: B rows, T new tokens, H hidden, I intermediate, V vocab (local).
 */
import * as tf from "@tensorflow/tfjs";
import type { Qwen2VLConfig } from "./config.ts";
import { gatherRows, linear, rmsNorm, silu } from "./layers.ts";
import { attentionBias, selfAttention } from "./attention.ts";
import { mropeCosSin } from "./mrope.ts";
import type { KVCache } from "./kv_cache.ts";

type Params = Map<string, tf.Tensor>;

/**
 * Embeds local ids [B, T] -> [B, T, H]; when imageEmbeds [N, H] is given, the N positions whose id is
 * imageLocalId (row-major order) take its rows in order. Done with tensor ops only (no GPU read):
 * index = cumsum(isImage) - 1 picks the row, and a 0/1 blend keeps text embeddings elsewhere.
 */
export function embedTokens(
  params: Params,
  inputIds: tf.Tensor2D,
  imageEmbeds: tf.Tensor2D | undefined,
  imageLocalId: number | undefined,
): tf.Tensor3D {
  const [B, T] = inputIds.shape;
  const table = params.get("model.embed_tokens.weight")!;
  const H = table.shape[1] as number;
  const flatIds = inputIds.reshape([B * T]) as tf.Tensor1D;
  const text = gatherRows(table, flatIds); // [B*T, H]
  if (!imageEmbeds) return text.reshape([B, T, H]);
  if (imageLocalId === undefined) {
    throw new Error("forward: imageEmbeds given but image_token_id is not in vocab_ids");
  }
  const isImage = tf.equal(flatIds, imageLocalId).cast("float32"); // [B*T]
  const N = imageEmbeds.shape[0];
  const index = tf.clipByValue(tf.sub(tf.cumsum(isImage), 1), 0, Math.max(N - 1, 0)).cast(
    "int32",
  ) as tf.Tensor1D;
  const image = gatherRows(imageEmbeds, index); // [B*T, H], meaningful only where isImage
  const m = isImage.reshape([B * T, 1]);
  return tf.add(tf.mul(text, tf.sub(1, m)), tf.mul(image, m)).reshape([B, T, H]);
}

/**
 * Decoder body and head. x [B, T, H] (embedded), positionIds [3, B, T], attentionMask [B, Tc + T]
 * -> logits [B, T, V].
 */
export function decode(
  config: Qwen2VLConfig,
  params: Params,
  x: tf.Tensor3D,
  positionIds: tf.Tensor3D,
  attentionMask: tf.Tensor2D,
  cache: KVCache | undefined,
  headFrom = 0,
): tf.Tensor3D {
  const [B, T] = x.shape;
  const eps = config.rms_norm_eps;
  const { cos, sin } = mropeCosSin(config, positionIds); // [B, 1, T, D]
  const bias = attentionBias(attentionMask, T); // [B, 1, 1, T, Tc + T]
  const heads = { nH: config.num_attention_heads, KV: config.num_key_value_heads };
  for (let i = 0; i < config.num_hidden_layers; i++) {
    const p = (n: string) => params.get(`model.layers.${i}.${n}`)!;
    const w = {
      qW: p("self_attn.q_proj.weight"),
      qB: p("self_attn.q_proj.bias"),
      kW: p("self_attn.k_proj.weight"),
      kB: p("self_attn.k_proj.bias"),
      vW: p("self_attn.v_proj.weight"),
      vB: p("self_attn.v_proj.bias"),
      oW: p("self_attn.o_proj.weight"),
    };
    const h = rmsNorm(x, p("input_layernorm.weight"), eps) as tf.Tensor3D;
    x = tf.add(x, selfAttention(h, w, heads, cos, sin, bias, cache, i));
    const h2 = rmsNorm(x, p("post_attention_layernorm.weight"), eps);
    const gate = silu(linear(h2, p("mlp.gate_proj.weight")));
    x = tf.add(x, linear(tf.mul(gate, linear(h2, p("mlp.up_proj.weight"))), p("mlp.down_proj.weight")));
  }
  const out = rmsNorm(x, params.get("model.norm.weight")!, eps);
  const head = params.get(config.tie_word_embeddings ? "model.embed_tokens.weight" : "lm_head.weight")!;
  // The head only where logits are read: [B, T - headFrom, H] x [V, H]^T. With the real vocabulary
  // (V = 151,936) the head is most of the step's work and the logits most of its memory.
  const kept = headFrom > 0 ? out.slice([0, headFrom, 0], [B, T - headFrom, -1]) : out;
  return linear(kept, head).reshape([B, T - headFrom, head.shape[0]]) as tf.Tensor3D;
}
