/** Named Qwen2-VL configurations, and parsing of a Hugging Face config.json. */
import { type Qwen2VLConfig, validateConfig, VISION_CONFIG_KEYS } from "./config.ts";

/** Real Qwen tokenizer ids of the vision special tokens. */
export const QWEN2_VL_SPECIAL_IDS = {
  vision_start_token_id: 151652,
  vision_end_token_id: 151653,
  image_token_id: 151655,
} as const;

/**
 * A teaching model small enough to train on wasm with 2 CPU cores: ViT width 48 (2 blocks, 2 heads of
 * 24), LM width 64 (2 layers, 4 query heads of 16, 2 kv heads), vocabulary = the given real ids.
 */
export function tiny(vocabIds: number[]): Qwen2VLConfig {
  return validateConfig({
    vocab_size: vocabIds.length,
    hidden_size: 64,
    intermediate_size: 176,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    rms_norm_eps: 1e-6,
    rope_theta: 10000,
    max_position_embeddings: 4096,
    tie_word_embeddings: true,
    rope_scaling: { type: "mrope", mrope_section: [2, 3, 3] },
    ...QWEN2_VL_SPECIAL_IDS,
    vision_config: {
      depth: 2,
      embed_dim: 48,
      num_heads: 2,
      mlp_ratio: 2,
      in_chans: 3,
      patch_size: 14,
      temporal_patch_size: 2,
      spatial_merge_size: 2,
      hidden_size: 64,
    },
    vocab_ids: [...vocabIds],
  });
}

/** The shapes of Qwen/Qwen2-VL-2B-Instruct (2,208,985,600 parameters). */
export function qwen2_vl_2b(): Qwen2VLConfig {
  return validateConfig({
    vocab_size: 151936,
    hidden_size: 1536,
    intermediate_size: 8960,
    num_hidden_layers: 28,
    num_attention_heads: 12,
    num_key_value_heads: 2,
    rms_norm_eps: 1e-6,
    rope_theta: 1000000,
    max_position_embeddings: 32768,
    tie_word_embeddings: true,
    rope_scaling: { type: "mrope", mrope_section: [16, 24, 24] },
    ...QWEN2_VL_SPECIAL_IDS,
    vision_config: {
      depth: 32,
      embed_dim: 1280,
      num_heads: 16,
      mlp_ratio: 4,
      in_chans: 3,
      patch_size: 14,
      temporal_patch_size: 2,
      spatial_merge_size: 2,
      hidden_size: 1536,
    },
  });
}

/** Registry of named configs; `tiny` needs the id map of the task's vocabulary. */
export const CONFIGS = {
  tiny,
  qwen2_vl_2b,
} as const;

export type ConfigName = keyof typeof CONFIGS;

const TEXT_KEYS = [
  "vocab_size",
  "hidden_size",
  "intermediate_size",
  "num_hidden_layers",
  "num_attention_heads",
  "num_key_value_heads",
  "rms_norm_eps",
  "rope_theta",
  "max_position_embeddings",
  "tie_word_embeddings",
  "rope_scaling",
  "image_token_id",
  "vision_start_token_id",
  "vision_end_token_id",
  "vocab_ids",
] as const;

/**
 * Reads a parsed Hugging Face config.json. HF files carry many keys the forward pass does not use
 * (architectures, torch_dtype, bos_token_id, ...): those are not copied. A missing key the model needs,
 * or a wrong value, is an error naming it (from validateConfig).
 */
export function configFromJson(json: unknown): Qwen2VLConfig {
  if (typeof json !== "object" || json === null) {
    throw new Error("Qwen2VLConfig: config.json is not an object");
  }
  const src = json as Record<string, unknown>;
  const vsrc = src.vision_config as Record<string, unknown> | undefined;
  if (typeof vsrc !== "object" || vsrc === null) throw new Error("Qwen2VLConfig: vision_config is missing");
  const out: Record<string, unknown> = {};
  for (const key of TEXT_KEYS) if (key in src) out[key] = src[key];
  const vision: Record<string, unknown> = {};
  for (const key of VISION_CONFIG_KEYS) {
    // Older exports spell in_chans as in_channels.
    vision[key] = key === "in_chans" && !("in_chans" in vsrc) ? vsrc.in_channels : vsrc[key];
  }
  out.vision_config = vision;
  return validateConfig(out as unknown as Qwen2VLConfig);
}
