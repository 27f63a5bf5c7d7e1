/**
 * The RunConfig field table. Names follow TRL's GRPOConfig / transformers' TrainingArguments where those
 * have the field. Defaults suit the tiny model on a CPU (wasm); a GPU host overrides them per run.
 *
 * To add a field: add a row to a group (or a new group spread into FIELDS). Its type, default, --help
 * line and validation all come from that row.
 */
import { bool, enm, type Field, int, num, str } from "./field.ts";

const RUN_FIELDS = {
  model: str("tiny", "named model config (models/configs) to build or load"),
  checkpoint: str("", 'safetensors checkpoint to start from; "" = fresh initialisation'),
  task: enm(
    ["count", "attribute", "grounding", "tiny", "mixed"],
    "mixed",
    "synthetic visual task to train and evaluate on; mixed = all of them",
  ),
  seed: int(0, "seed for initialisation, data and sampling", { range: { min: 0 } }),
  out: str("", 'run folder for metrics and checkpoints; "" = runs/<command>-<timestamp>'),
  backend: enm(
    ["auto", "webgpu", "wasm", "cpu"],
    "auto",
    "tfjs backend; auto = webgpu on a hardware adapter, else wasm",
  ),
  image_size: int(112, "square image side in pixels; a multiple of 28 (14-pixel patches, 2x2 merge)", {
    range: { min: 28, max: 1024 },
  }),
};

const OPTIMIZER_FIELDS = {
  learning_rate: num(3e-4, "peak learning rate after warm-up (AdamW)", {
    symbol: "η",
    range: { min: 0, minOpen: true },
  }),
  lr_scheduler_type: enm(
    ["cosine", "constant", "linear"],
    "cosine",
    "decay from the peak to 0 at max_steps, after linear warm-up",
  ),
  warmup_ratio: num(0.05, "fraction of max_steps spent warming up; ignored when warmup_steps > 0", {
    range: { min: 0, max: 1 },
  }),
  warmup_steps: int(0, "warm-up steps; 0 = use warmup_ratio", { range: { min: 0 } }),
  weight_decay: num(0, "AdamW decoupled weight decay", { symbol: "λ", range: { min: 0 } }),
  adam_beta1: num(0.9, "AdamW first-moment decay", {
    symbol: "β1",
    range: { min: 0, max: 1, maxOpen: true },
  }),
  adam_beta2: num(0.999, "AdamW second-moment decay", {
    symbol: "β2",
    range: { min: 0, max: 1, maxOpen: true },
  }),
  adam_epsilon: num(1e-8, "AdamW denominator epsilon", { symbol: "ε", range: { min: 0, minOpen: true } }),
  max_grad_norm: num(1, "clip the global gradient L2 norm to this; 0 = no clipping", { range: { min: 0 } }),
  max_steps: int(200, "optimizer steps to train", { range: { min: 1 } }),
  per_device_train_batch_size: int(
    8,
    "prompts per micro-batch (SFT: samples; GRPO: prompts, each sampled num_generations times)",
    { range: { min: 1 } },
  ),
  gradient_accumulation_steps: int(1, "micro-batches summed into one optimizer step", { range: { min: 1 } }),
  logging_steps: int(1, "write a metrics line every this many steps", { range: { min: 1 } }),
  save_steps: int(100, "save a checkpoint every this many steps; 0 = only at the end", { range: { min: 0 } }),
  eval_n: int(200, "samples per evaluation", { range: { min: 1 } }),
  freeze_vision_modules: bool(false, "keep the vision tower and patch merger fixed"),
};

const SAMPLING_FIELDS = {
  num_generations: int(4, "completions sampled per prompt (the group)", { symbol: "G", range: { min: 2 } }),
  temperature: num(1, "sampling temperature", { symbol: "τ", range: { min: 0, minOpen: true } }),
  top_p: num(1, "nucleus sampling mass; 1 = off", { range: { min: 0, max: 1, minOpen: true } }),
  top_k: int(0, "keep the k most likely tokens; 0 = off", { range: { min: 0 } }),
  min_p: num(0, "drop tokens below min_p x the top probability; 0 = off", { range: { min: 0, max: 1 } }),
  repetition_penalty: num(1, "divide logits of tokens already generated (CTRL); 1 = off", {
    range: { min: 0, minOpen: true },
  }),
  max_completion_length: int(64, "most tokens generated per completion", { range: { min: 1 } }),
};

export const FIELDS = {
  ...RUN_FIELDS,
  ...OPTIMIZER_FIELDS,
  ...SAMPLING_FIELDS,
} satisfies Record<string, Field<unknown>>;

export type FieldName = keyof typeof FIELDS;

type ValueOf<F> = F extends Field<infer T> ? T : never;

/** The whole run's settings; built by parseConfig, frozen, passed (never global). */
export type RunConfig = { readonly [K in FieldName]: ValueOf<(typeof FIELDS)[K]> };

/**
 * Names other projects use for our fields (TRL/HF spellings, verl's dotted keys, R1-V style names).
 * Applied with a note so the run's log says what was read as what.
 */
export const ALIASES: Readonly<Record<string, FieldName>> = {
  lr: "learning_rate",
  "actor_rollout_ref.actor.optim.lr": "learning_rate",
  "optim.lr": "learning_rate",
  lr_warmup_steps_ratio: "warmup_ratio",
  "actor_rollout_ref.actor.optim.lr_warmup_steps_ratio": "warmup_ratio",
  grad_clip: "max_grad_norm",
  "actor_rollout_ref.actor.grad_clip": "max_grad_norm",
  total_training_steps: "max_steps",
  "trainer.total_training_steps": "max_steps",
  "rollout.n": "num_generations",
  "actor_rollout_ref.rollout.n": "num_generations",
  grpo_sample_size: "num_generations",
  max_new_tokens: "max_completion_length",
  max_response_length: "max_completion_length",
  "data.max_response_length": "max_completion_length",
  "rollout.temperature": "temperature",
  "rollout.top_p": "top_p",
  "rollout.top_k": "top_k",
};

/**
 * Checks across fields, run after every field is valid. Each returns an error message or undefined.
 */
export const CROSS_CHECKS: readonly ((c: RunConfig) => string | undefined)[] = [
  (c) =>
    c.image_size % 28 === 0
      ? undefined
      : `image_size ${c.image_size} must be a multiple of 28 (e.g. 112, 224)`,
];
