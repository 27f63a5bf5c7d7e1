/**
 * The peak memory of one GRPO step, estimated from the run config and the model config before any model
 * is built, so that a batch that cannot fit is refused with its numbers instead of growing until the
 * process is killed (per_device_train_batch_size=100000 reached 6 GiB in 25 s before it died).
 *
 * Every tensor is float32. The peak is the model state (weights, the KL reference, gradients, AdamW's
 * two moments) plus the larger of the two phases of a step:
 *   update:  one micro-batch of rows = ceil(B x G / gradient_accumulation_steps) sequences of
 *            T = prompt + max_completion_length tokens, forward and backward at once:
 *            logits [rows, T, V] and the activations each layer keeps for the backward pass;
 *   rollout: the KV cache of all B x G rows, [layers, 2, rows, T, kv_heads x head_dim].
 * It is an estimate ("about"): tfjs frees some intermediates early and keeps others a little longer.
 */
import type { RunConfig } from "../config/fields.ts";
import { type Qwen2VLConfig, textHeadDim } from "../../models/qwen2_vl/config.ts";
import { parameterCount } from "../../models/qwen2_vl/params.ts";

const FLOAT_BYTES = 4;
const GiB = 2 ** 30;
/** Pixels per patch side of the vision tower. */
const PATCH = 14;

/** The config fields the estimate reads. */
export type MemoryConfig = Pick<
  RunConfig,
  | "per_device_train_batch_size"
  | "num_generations"
  | "gradient_accumulation_steps"
  | "max_completion_length"
  | "image_size"
  | "beta"
  | "max_memory_gb"
>;

/** Bytes of each part of the step's peak, and their sum. */
export interface StepMemory {
  /** Sequences in one update micro-batch, and their length T in tokens. */
  rows: number;
  tokens: number;
  /** Weights (and the reference copy when beta > 0), gradients and AdamW's two moments. */
  modelState: number;
  /** [rows, T, V] logits of the update's forward pass. */
  logits: number;
  /** What the decoder layers and the vision tower keep for the backward pass. */
  activations: number;
  /** The rollout's KV cache over all B x G rows. */
  kvCache: number;
  /** modelState + the larger of (logits + activations) and kvCache. */
  total: number;
}

/**
 * Floats one decoder layer keeps per token for the backward pass: about 10 of the hidden width (two
 * norms, q, k, v with their rotations, the attention output, o_proj, two residuals) and 4 of the SwiGLU
 * width (gate, up, SiLU(gate), their product), plus the attention scores and probabilities (2 x heads
 * x T, the part that grows with the sequence).
 */
function decoderFloatsPerToken(model: Qwen2VLConfig, tokens: number): number {
  return 10 * model.hidden_size + 4 * model.intermediate_size + 2 * model.num_attention_heads * tokens;
}

/** The same for one ViT block per patch: 10 of its width, 2 of the MLP's, and the patch attention. */
function visionFloatsPerPatch(model: Qwen2VLConfig, patches: number): number {
  const v = model.vision_config;
  return 10 * v.embed_dim + 2 * v.embed_dim * v.mlp_ratio + 2 * v.num_heads * patches;
}

/** The estimate of one GRPO step's peak; `promptTokens` is a prompt's length, image tokens included. */
export function stepMemory(config: MemoryConfig, model: Qwen2VLConfig, promptTokens: number): StepMemory {
  const allRows = config.per_device_train_batch_size * config.num_generations;
  const rows = Math.ceil(allRows / config.gradient_accumulation_steps);
  // A micro-batch answers at most B distinct prompts; each image goes through the tower once.
  const images = Math.min(config.per_device_train_batch_size, rows);
  const tokens = promptTokens + config.max_completion_length;
  const patches = (config.image_size / PATCH) ** 2;

  const params = parameterCount(model) * FLOAT_BYTES;
  const modelState = params * (config.beta > 0 ? 5 : 4);
  const logits = rows * tokens * model.vocab_size * FLOAT_BYTES;
  const activations = FLOAT_BYTES * (
    rows * tokens * model.num_hidden_layers * decoderFloatsPerToken(model, tokens) +
    images * patches * model.vision_config.depth * visionFloatsPerPatch(model, patches)
  );
  const kvDim = model.num_key_value_heads * textHeadDim(model);
  const kvCache = allRows * tokens * model.num_hidden_layers * 2 * kvDim * FLOAT_BYTES;
  const total = modelState + Math.max(logits + activations, kvCache);
  return { rows, tokens, modelState, logits, activations, kvCache, total };
}

/** "37.2 GiB", "512 MiB", "12 KiB": one decimal in GiB, whole numbers below. */
export function formatBytes(bytes: number): string {
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${Math.round(bytes / 2 ** 20)} MiB`;
  return `${Math.max(1, Math.round(bytes / 2 ** 10))} KiB`;
}

/**
 * Why the step cannot fit in config.max_memory_gb, with the estimate and what to change; undefined when
 * it fits or the limit is 0 (no check).
 */
export function memoryProblem(
  config: MemoryConfig,
  model: Qwen2VLConfig,
  promptTokens: number,
): string | undefined {
  const m = stepMemory(config, model, promptTokens);
  if (config.max_memory_gb === 0 || m.total <= config.max_memory_gb * GiB) return undefined;
  const accum = config.gradient_accumulation_steps;
  const batch = `per_device_train_batch_size=${config.per_device_train_batch_size} x ` +
    `num_generations=${config.num_generations}` +
    (accum > 1 ? ` / gradient_accumulation_steps=${accum}` : "");
  const state = `weights, gradients and Adam moments ${formatBytes(m.modelState)}`;
  const parts = m.logits + m.activations >= m.kvCache
    ? `logits ${formatBytes(m.logits)}, activations ${formatBytes(m.activations)}, ${state}`
    : `rollout KV cache ${formatBytes(m.kvCache)}, ${state}`;
  return `${batch} = ${m.rows} rows of ${m.tokens} tokens (${promptTokens} prompt + ` +
    `${config.max_completion_length} completion): a step needs about ${formatBytes(m.total)} (${parts}), ` +
    `over the limit of max_memory_gb=${config.max_memory_gb}; lower per_device_train_batch_size or ` +
    "num_generations, raise gradient_accumulation_steps (smaller micro-batches), or raise max_memory_gb " +
    "if the machine has the memory (0 turns this check off)";
}
