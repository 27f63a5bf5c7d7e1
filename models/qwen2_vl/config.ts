/**
 * Qwen2-VL model configuration in Hugging Face's config.json layout, so that a real checkpoint's
 * config.json parses into it unchanged. Our one addition is `vocab_ids`, the id map of a small model.
 */

/** The vision tower (ViT + patch merger), HF `vision_config`. */
export interface Qwen2VLVisionConfig {
  /** Number of ViT blocks. 2B: 32. */
  depth: number;
  /** ViT width E. 2B: 1280. */
  embed_dim: number;
  /** Attention heads of the ViT; embed_dim / num_heads must be divisible by 4 (2-D rotary). 2B: 16. */
  num_heads: number;
  /** MLP width = embed_dim * mlp_ratio. 2B: 4. */
  mlp_ratio: number;
  /** Image channels. Always 3. */
  in_chans: number;
  /** Spatial patch side in pixels. Always 14. */
  patch_size: number;
  /** Frames per patch; a still image is repeated to 2 frames by the processor. Always 2. */
  temporal_patch_size: number;
  /** The merger joins merge x merge neighbouring patches into one LM token. Always 2. */
  spatial_merge_size: number;
  /** Output width of the merger, equal to the language model's hidden_size. 2B: 1536. */
  hidden_size: number;
}

/** The multimodal rotary embedding, HF `rope_scaling`. */
export interface MRopeScaling {
  /** Always "mrope" for Qwen2-VL. */
  type: "mrope";
  /** Rotary frequency pairs given to the (t, h, w) axes; the sum is head_dim / 2. 2B: [16, 24, 24]. */
  mrope_section: [number, number, number];
}

/** The whole model: the Qwen2 language model fields sit at the top level, as in HF config.json. */
export interface Qwen2VLConfig {
  /** Rows of the embedding table and of the LM head. 2B: 151936; with vocab_ids, vocab_ids.length. */
  vocab_size: number;
  /** Language model width H. 2B: 1536. */
  hidden_size: number;
  /** SwiGLU inner width. 2B: 8960. */
  intermediate_size: number;
  /** Decoder layers. 2B: 28. */
  num_hidden_layers: number;
  /** Query heads; head_dim = hidden_size / num_attention_heads. 2B: 12 (head_dim 128). */
  num_attention_heads: number;
  /** Key/value heads of grouped-query attention; divides num_attention_heads. 2B: 2. */
  num_key_value_heads: number;
  /** Epsilon of every RMSNorm. 2B: 1e-6. */
  rms_norm_eps: number;
  /** Rotary base (theta). 2B: 1e6. */
  rope_theta: number;
  /** Longest context the model was trained for (informational, not enforced). 2B: 32768. */
  max_position_embeddings: number;
  /** LM head shares the embedding matrix (no lm_head.weight). 2B: true. */
  tie_word_embeddings: boolean;
  /** M-RoPE sections. */
  rope_scaling: MRopeScaling;
  /** Real tokenizer id of <|image_pad|>. 151655. */
  image_token_id: number;
  /** Real tokenizer id of <|vision_start|>. 151652. */
  vision_start_token_id: number;
  /** Real tokenizer id of <|vision_end|>. 151653. */
  vision_end_token_id: number;
  /** The vision tower. */
  vision_config: Qwen2VLVisionConfig;
  /**
   * Ours, optional (default: absent = identity map). For a small model: local row i of the embedding
   * and LM head stands for real tokenizer id vocab_ids[i]; then vocab_size === vocab_ids.length.
   */
  vocab_ids?: number[];
}

/** head_dim of the language model. */
export function textHeadDim(config: Qwen2VLConfig): number {
  return config.hidden_size / config.num_attention_heads;
}

/** head_dim of the vision tower. */
export function visionHeadDim(config: Qwen2VLConfig): number {
  return config.vision_config.embed_dim / config.vision_config.num_heads;
}

/** Flattened patch length: in_chans * temporal_patch_size * patch_size^2 (1176 for Qwen2-VL). */
export function patchDim(config: Qwen2VLConfig): number {
  const v = config.vision_config;
  return v.in_chans * v.temporal_patch_size * v.patch_size * v.patch_size;
}

/** Qwen2-VL's image geometry, which the lab's image processor (core/text/image_inputs.ts) produces. */
export const FIXED_VISION = {
  in_chans: 3,
  patch_size: 14,
  temporal_patch_size: 2,
  spatial_merge_size: 2,
} as const;

/** The vision_config keys, all positive integers. */
export const VISION_CONFIG_KEYS = [
  "depth",
  "embed_dim",
  "num_heads",
  "mlp_ratio",
  "in_chans",
  "patch_size",
  "temporal_patch_size",
  "spatial_merge_size",
  "hidden_size",
] as const;

const POSITIVE_INT_KEYS = [
  "vocab_size",
  "hidden_size",
  "intermediate_size",
  "num_hidden_layers",
  "num_attention_heads",
  "num_key_value_heads",
  "max_position_embeddings",
] as const;

const SPECIAL_TOKEN_KEYS = ["image_token_id", "vision_start_token_id", "vision_end_token_id"] as const;

/**
 * Checks every invariant the model code relies on and returns the config. An error starts with `where`
 * (the config.json's path when one was read) and names the keys that disagree.
 */
export function validateConfig(config: Qwen2VLConfig, where = "Qwen2VLConfig"): Qwen2VLConfig {
  const fail: (message: string) => never = (message) => {
    throw new Error(`${where}: ${message}`);
  };
  const positiveInt = (value: unknown, key: string) => {
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
      fail(`${key} must be a positive integer, got ${JSON.stringify(value)}`);
    }
  };
  const nonNegativeInt = (value: unknown, key: string) => {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
      fail(`${key} must be a non-negative integer, got ${JSON.stringify(value)}`);
    }
  };
  const positiveNumber = (value: unknown, key: string) => {
    if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
      fail(`${key} must be a positive number, got ${JSON.stringify(value)}`);
    }
  };
  const c = config;
  for (const key of POSITIVE_INT_KEYS) positiveInt(c[key], key);
  positiveNumber(c.rms_norm_eps, "rms_norm_eps");
  positiveNumber(c.rope_theta, "rope_theta");
  if (typeof c.tie_word_embeddings !== "boolean") fail(`tie_word_embeddings must be a boolean`);
  for (const key of SPECIAL_TOKEN_KEYS) nonNegativeInt(c[key], key);
  if (c.hidden_size % c.num_attention_heads !== 0) {
    fail(`hidden_size ${c.hidden_size} is not a multiple of num_attention_heads ${c.num_attention_heads}`);
  }
  if (c.num_attention_heads % c.num_key_value_heads !== 0) {
    fail(
      `num_attention_heads ${c.num_attention_heads} is not a multiple of num_key_value_heads ` +
        `${c.num_key_value_heads} (grouped-query attention shares each kv head among whole groups)`,
    );
  }
  const headDim = textHeadDim(c);
  if (headDim % 2 !== 0) {
    fail(`head_dim ${headDim} (hidden_size / num_attention_heads) must be even for rotary`);
  }
  const rs = c.rope_scaling;
  if (!rs || rs.type !== "mrope" || !Array.isArray(rs.mrope_section) || rs.mrope_section.length !== 3) {
    fail(`rope_scaling must be {type: "mrope", mrope_section: [t, h, w]}`);
  }
  rs.mrope_section.forEach((s, i) => nonNegativeInt(s, `rope_scaling.mrope_section[${i}]`));
  const sectionSum = rs.mrope_section[0] + rs.mrope_section[1] + rs.mrope_section[2];
  if (sectionSum * 2 !== headDim) {
    fail(
      `rope_scaling.mrope_section sums to ${sectionSum}, but head_dim / 2 is ${headDim / 2} ` +
        `(head_dim = hidden_size ${c.hidden_size} / num_attention_heads ${c.num_attention_heads})`,
    );
  }
  const v = c.vision_config;
  if (typeof v !== "object" || v === null) fail(`vision_config is missing`);
  for (const key of VISION_CONFIG_KEYS) positiveInt(v[key], `vision_config.${key}`);
  for (const [key, value] of Object.entries(FIXED_VISION)) {
    const given = v[key as keyof typeof FIXED_VISION];
    if (given !== value) {
      fail(`vision_config.${key} is ${given}, but Qwen2-VL's image processor here makes ${key} ${value}`);
    }
  }
  if (v.embed_dim % v.num_heads !== 0 || (v.embed_dim / v.num_heads) % 4 !== 0) {
    fail(
      `vision_config.embed_dim ${v.embed_dim} / num_heads ${v.num_heads} = ${
        v.embed_dim / v.num_heads
      } must be an integer divisible by 4 (2-D rotary over h and w)`,
    );
  }
  if (v.hidden_size !== c.hidden_size) {
    fail(`vision_config.hidden_size ${v.hidden_size} must equal hidden_size ${c.hidden_size}`);
  }
  if (c.vocab_ids !== undefined) {
    if (!Array.isArray(c.vocab_ids)) fail(`vocab_ids must be an array`);
    if (c.vocab_ids.length !== c.vocab_size) {
      fail(`vocab_ids has ${c.vocab_ids.length} entries but vocab_size is ${c.vocab_size}`);
    }
    const seen = new Set<number>();
    c.vocab_ids.forEach((id, i) => {
      nonNegativeInt(id, `vocab_ids[${i}]`);
      if (seen.has(id)) fail(`vocab_ids[${i}] = ${id} is a duplicate`);
      seen.add(id);
    });
    for (const key of SPECIAL_TOKEN_KEYS) {
      if (!seen.has(c[key])) {
        fail(`${key} ${c[key]} is not in vocab_ids: the image tokens need rows of their own`);
      }
    }
  } else {
    for (const key of SPECIAL_TOKEN_KEYS) {
      if (c[key] >= c.vocab_size) fail(`${key} ${c[key]} is not below vocab_size ${c.vocab_size}`);
    }
  }
  return c;
}
