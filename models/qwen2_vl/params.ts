/**
 * Parameter names and shapes exactly as in Hugging Face Qwen2-VL safetensors. Linear weights are
 * [out, in] as in PyTorch; the patch embedding is the Conv3d weight [E, 3, 2, 14, 14].
 */
import { type Qwen2VLConfig, textHeadDim } from "./config.ts";

/** HF name -> shape, in checkpoint order (vision tower, then language model). Allocates nothing. */
export function parameterShapes(config: Qwen2VLConfig): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  const v = config.vision_config;
  const E = v.embed_dim;
  const mlpE = E * v.mlp_ratio;
  const mergedE = E * v.spatial_merge_size * v.spatial_merge_size;
  shapes.set("visual.patch_embed.proj.weight", [
    E,
    v.in_chans,
    v.temporal_patch_size,
    v.patch_size,
    v.patch_size,
  ]);
  for (let i = 0; i < v.depth; i++) {
    const p = `visual.blocks.${i}`;
    shapes.set(`${p}.norm1.weight`, [E]);
    shapes.set(`${p}.norm1.bias`, [E]);
    shapes.set(`${p}.norm2.weight`, [E]);
    shapes.set(`${p}.norm2.bias`, [E]);
    shapes.set(`${p}.attn.qkv.weight`, [3 * E, E]);
    shapes.set(`${p}.attn.qkv.bias`, [3 * E]);
    shapes.set(`${p}.attn.proj.weight`, [E, E]);
    shapes.set(`${p}.attn.proj.bias`, [E]);
    shapes.set(`${p}.mlp.fc1.weight`, [mlpE, E]);
    shapes.set(`${p}.mlp.fc1.bias`, [mlpE]);
    shapes.set(`${p}.mlp.fc2.weight`, [E, mlpE]);
    shapes.set(`${p}.mlp.fc2.bias`, [E]);
  }
  shapes.set("visual.merger.ln_q.weight", [E]);
  shapes.set("visual.merger.ln_q.bias", [E]);
  shapes.set("visual.merger.mlp.0.weight", [mergedE, mergedE]);
  shapes.set("visual.merger.mlp.0.bias", [mergedE]);
  shapes.set("visual.merger.mlp.2.weight", [v.hidden_size, mergedE]);
  shapes.set("visual.merger.mlp.2.bias", [v.hidden_size]);

  const H = config.hidden_size;
  const D = textHeadDim(config);
  const qDim = config.num_attention_heads * D;
  const kvDim = config.num_key_value_heads * D;
  const I = config.intermediate_size;
  shapes.set("model.embed_tokens.weight", [config.vocab_size, H]);
  for (let i = 0; i < config.num_hidden_layers; i++) {
    const p = `model.layers.${i}`;
    shapes.set(`${p}.self_attn.q_proj.weight`, [qDim, H]);
    shapes.set(`${p}.self_attn.q_proj.bias`, [qDim]);
    shapes.set(`${p}.self_attn.k_proj.weight`, [kvDim, H]);
    shapes.set(`${p}.self_attn.k_proj.bias`, [kvDim]);
    shapes.set(`${p}.self_attn.v_proj.weight`, [kvDim, H]);
    shapes.set(`${p}.self_attn.v_proj.bias`, [kvDim]);
    shapes.set(`${p}.self_attn.o_proj.weight`, [H, qDim]);
    shapes.set(`${p}.mlp.gate_proj.weight`, [I, H]);
    shapes.set(`${p}.mlp.up_proj.weight`, [I, H]);
    shapes.set(`${p}.mlp.down_proj.weight`, [H, I]);
    shapes.set(`${p}.input_layernorm.weight`, [H]);
    shapes.set(`${p}.post_attention_layernorm.weight`, [H]);
  }
  shapes.set("model.norm.weight", [H]);
  if (!config.tie_word_embeddings) shapes.set("lm_head.weight", [config.vocab_size, H]);
  return shapes;
}

/** Number of elements of one shape. */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Total parameter count (a tied LM head counted once). */
export function parameterCount(config: Qwen2VLConfig): number {
  let n = 0;
  for (const shape of parameterShapes(config).values()) n += shapeSize(shape);
  return n;
}

/** How a parameter is initialised: normal(0, 0.02) for matrices, 1 for norm scales, 0 for biases. */
export function initKind(name: string): "normal" | "ones" | "zeros" {
  if (name.endsWith(".bias")) return "zeros";
  if (/(norm\d?|layernorm|ln_q)\.weight$/.test(name)) return "ones";
  return "normal";
}
