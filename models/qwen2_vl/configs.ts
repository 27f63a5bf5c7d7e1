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

/** The model_type values this loader builds; a config.json naming another is refused, listing these. */
export const SUPPORTED_MODEL_TYPES = ["qwen2_vl"] as const;

/** Keys transformers 5 moved from the top level into text_config, and may keep at either level. */
const TOP_OR_TEXT_KEYS = [
  "tie_word_embeddings",
  "image_token_id",
  "vision_start_token_id",
  "vision_end_token_id",
] as const;

/**
 * A config.json in either of transformers' layouts, as the flat one: transformers 4.x writes the
 * language model's fields at the top level beside vision_config; 5.x nests them in text_config, with
 * `rope_parameters` {rope_type, rope_theta, mrope_section} in place of rope_theta and rope_scaling.
 */
export function flatConfigJson(src: Record<string, unknown>, where: string): Record<string, unknown> {
  const modelType = src.model_type;
  if (modelType !== undefined && !(SUPPORTED_MODEL_TYPES as readonly unknown[]).includes(modelType)) {
    throw new Error(
      `${where}: model_type ${JSON.stringify(modelType)} is not supported; supported: ${
        SUPPORTED_MODEL_TYPES.join(", ")
      }`,
    );
  }
  const text = src.text_config;
  if (text === undefined) return src;
  if (typeof text !== "object" || text === null || Array.isArray(text)) {
    throw new Error(`${where}: text_config is not an object`);
  }
  const t = text as Record<string, unknown>;
  // text_config's own model_type ("qwen2_vl_text") names the part, not the model.
  const flat: Record<string, unknown> = { ...t, vision_config: src.vision_config };
  delete flat.model_type;
  if (modelType !== undefined) flat.model_type = modelType;
  for (const key of TOP_OR_TEXT_KEYS) if (key in src) flat[key] = src[key];
  const rope = t.rope_parameters as Record<string, unknown> | undefined;
  if (rope !== undefined && !("rope_scaling" in t)) {
    if (typeof rope !== "object" || rope === null) {
      throw new Error(`${where}: text_config.rope_parameters is not an object`);
    }
    flat.rope_scaling = { type: "mrope", mrope_section: rope.mrope_section };
    if (!("rope_theta" in t)) flat.rope_theta = rope.rope_theta;
  }
  return flat;
}

/**
 * Reads a parsed Hugging Face config.json, flat (transformers 4.x) or nested (5.x). HF files carry many
 * keys the forward pass does not use (architectures, torch_dtype, bos_token_id, ...): those are not
 * copied. A missing key the model needs, or a wrong value, is an error that starts with `where` (the
 * file) and names the key (validateConfig).
 */
export function configFromJson(json: unknown, where = "config.json"): Qwen2VLConfig {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Error(`${where}: the config is not a JSON object`);
  }
  const src = flatConfigJson(json as Record<string, unknown>, where);
  const vsrc = src.vision_config as Record<string, unknown> | undefined;
  if (typeof vsrc !== "object" || vsrc === null) throw new Error(`${where}: vision_config is missing`);
  const out: Record<string, unknown> = {};
  for (const key of TEXT_KEYS) if (key in src) out[key] = src[key];
  // rope_scaling as transformers writes it may carry extra keys ("rope_type": "default"): keep ours.
  const rs = out.rope_scaling as Record<string, unknown> | undefined;
  if (rs && typeof rs === "object" && (rs.type === "mrope" || rs.rope_type === "mrope")) {
    out.rope_scaling = { type: "mrope", mrope_section: rs.mrope_section };
  }
  const vision: Record<string, unknown> = {};
  for (const key of VISION_CONFIG_KEYS) {
    // Older exports spell in_chans as in_channels.
    vision[key] = key === "in_chans" && !("in_chans" in vsrc) ? vsrc.in_channels : vsrc[key];
  }
  out.vision_config = vision;
  return validateConfig(out as unknown as Qwen2VLConfig, where);
}

/** A config.json's text, parsed and checked; every error starts with the file's name. */
export function configFromText(text: string, file: string): Qwen2VLConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  return configFromJson(json, file);
}

/**
 * The values of RunConfig's `model` field: "auto" (whatever the checkpoint is; a fresh init builds
 * tiny) or a name of CONFIGS. Kept equal to core/config/fields.ts's enum by a test.
 */
export const MODEL_NAMES = ["auto", ...Object.keys(CONFIGS)] as readonly string[];

/** The fields that tell two models apart, in the order a mismatch lists them. */
const IDENTITY_KEYS = [
  "hidden_size",
  "num_hidden_layers",
  "vocab_size",
  "intermediate_size",
  "num_attention_heads",
  "num_key_value_heads",
] as const;

/** The config `model=name` builds; tiny's vocabulary is the task vocabulary given. */
export function namedConfig(name: ConfigName, vocabIds: readonly number[]): Qwen2VLConfig {
  return name === "tiny" ? tiny([...vocabIds]) : CONFIGS[name]();
}

/**
 * Throws when `model=name` disagrees with the checkpoint's config `loaded`, read from `file`; for tiny,
 * `vocabIds` is the task vocabulary a fresh tiny model gets. "auto" accepts any checkpoint; a name
 * outside MODEL_NAMES is an error listing them (RunConfig's enum refuses it first).
 */
export function checkNamedModel(
  name: string,
  loaded: Qwen2VLConfig,
  file: string,
  vocabIds: readonly number[],
): void {
  if (name === "auto") return;
  if (!(name in CONFIGS)) throw new Error(`model=${name} is not one of ${MODEL_NAMES.join(", ")}`);
  const named = namedConfig(name as ConfigName, vocabIds);
  const differ: string[] = IDENTITY_KEYS.filter((k) => loaded[k] !== named[k]).map((k) =>
    `${k} ${loaded[k]} vs ${named[k]}`
  );
  for (const k of ["depth", "embed_dim"] as const) {
    if (loaded.vision_config[k] !== named.vision_config[k]) {
      differ.push(`vision_config.${k} ${loaded.vision_config[k]} vs ${named.vision_config[k]}`);
    }
  }
  if (differ.length === 0) return;
  throw new Error(
    `model=${name} but the checkpoint ${file} is a different model (${differ.join(", ")}; the ` +
      `checkpoint's vs ${name}'s): drop model= (default auto: the checkpoint's own) or give its checkpoint`,
  );
}
