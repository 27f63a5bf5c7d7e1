/**
 * The RunConfig field table. Names follow TRL's GRPOConfig / transformers' TrainingArguments where those
 * have the field. Defaults suit the tiny model on a CPU (wasm); a GPU host overrides them per run.
 *
 * To add a field: add a row to a group (or a new group spread into FIELDS). Its type, default, --help
 * line and validation all come from that row.
 */
import { bool, enm, type Field, int, map, num, numList, str, strList } from "./field.ts";

const RUN_FIELDS = {
  model: enm(
    ["auto", "tiny", "qwen2_vl_2b"],
    "auto",
    "model config (models/qwen2_vl/configs.ts); auto = the checkpoint's own, or tiny on a fresh init; a " +
      "name given must match the checkpoint's shapes (only tiny can start from a fresh init)",
  ),
  model_name_or_path: str(
    "",
    "the model to start from: a Hugging Face Qwen2-VL folder (config.json + model.safetensors or its " +
      'sharded index) or a run\'s checkpoint folder, or a .safetensors file beside its config.json; "" = ' +
      "fresh initialisation (aliases: checkpoint, actor_rollout_ref.model.path)",
  ),
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

/** A data set of your own instead of the synthetic task (core/data/datasets). */
const DATA_FIELDS = {
  dataset: str(
    "",
    "data set to train and evaluate on instead of the synthetic task: conversation .jsonl, verl or " +
      'Geometry3K .parquet; "" = the synthetic task',
  ),
  image_folders: strList(
    [],
    "folders the data set's image paths resolve against, in order; [] = its own folder",
  ),
  allow_outside_paths: bool(
    false,
    "let a data set's image paths leave the image folders (.., absolute paths, symlinks); URLs stay refused",
  ),
  skip_invalid: bool(false, "train on a data set's valid samples, saying how many were skipped and why"),
  test_ratio: num(0, "share of the data set held out for eval, drawn by seed; 0 = train and eval on all", {
    range: { min: 0, max: 1, maxOpen: true },
  }),
  max_prompt_length: int(512, "most tokens a data set prompt may have, image tokens included; 0 = no limit", {
    range: { min: 0 },
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
  max_memory_gb: num(
    16,
    "refuse, before any model is built, a run whose step needs more GiB than this by the estimate of " +
      "core/train/memory_estimate.ts (weights, gradients, Adam moments, activations, logits); 0 = no check",
    { range: { min: 0 } },
  ),
  logging_steps: int(1, "write a metrics line every this many steps", { range: { min: 1 } }),
  save_steps: int(100, "save a checkpoint every this many steps; 0 = only at the end", { range: { min: 0 } }),
  save_total_limit: int(
    0,
    "keep only the newest this many checkpoint-N/ folders, deleting older ones as new ones are saved; 0 = all",
    { range: { min: 0 } },
  ),
  eval_n: int(200, "samples per evaluation", { range: { min: 1 } }),
  freeze_vision_modules: bool(false, "keep the vision tower and patch merger fixed"),
};

const SAMPLING_FIELDS = {
  num_generations: int(4, "completions sampled per prompt (the group)", { symbol: "G", range: { min: 2 } }),
  temperature: num(1, "sampling temperature", { symbol: "τ", range: { min: 0, minOpen: true } }),
  top_p: num(1, "nucleus sampling mass; 1 = off", { range: { min: 0, max: 1, minOpen: true } }),
  top_k: int(0, "keep the k most likely tokens; 0 = off", { range: { min: 0 } }),
  min_p: num(0, "drop tokens below min_p x the top probability; 0 = off", {
    range: { min: 0, max: 1, maxOpen: true },
  }),
  repetition_penalty: num(1, "divide logits of tokens already generated (CTRL); 1 = off", {
    range: { min: 0, minOpen: true },
  }),
  max_completion_length: int(64, "most tokens generated per completion", { range: { min: 1 } }),
};

/**
 * GRPO (DeepSeekMath) and its variants, with TRL GRPOConfig's names and our own defaults. The loss these
 * feed is core/grpo/policy_loss.ts; the enum members are the keys of its strategy tables.
 */
const GRPO_FIELDS = {
  beta: num(0, "weight of the KL penalty against the reference policy; 0 = no reference model is loaded", {
    symbol: "β",
    range: { min: 0 },
  }),
  kl_estimator: enm(
    ["k1", "k2", "k3"],
    "k3",
    "per-token estimator of KL(π_θ || π_ref) for the beta penalty (Schulman); k3 is unbiased and >= 0",
  ),
  epsilon: num(0.2, "clip ratios to [1 - ε, 1 + ε_high]; the lower bound (and the upper one by default)", {
    symbol: "ε",
    range: { min: 0, max: 1, maxOpen: true },
  }),
  epsilon_high: num(0, "upper clip bound, DAPO's clip-higher (e.g. 0.28); 0 = same as epsilon", {
    symbol: "ε_high",
    range: { min: 0 },
  }),
  dual_clip: num(0, "dual-clip PPO: for A < 0 the loss is at most -c·A; 0 = off, else > 1", {
    symbol: "c",
    range: { min: 0 },
  }),
  loss_type: enm(
    ["grpo", "bnpo", "dr_grpo", "dapo"],
    "grpo",
    "per-token losses to a scalar: grpo = mean per completion, then mean; bnpo = mean over tokens; " +
      "dr_grpo = sum / (completions x max_completion_length); dapo = mean over the step's tokens",
  ),
  scale_rewards: enm(
    ["group", "batch", "none"],
    "group",
    "divide centred rewards by the std of their group, of the whole batch, or nothing (Dr. GRPO)",
  ),
  num_iterations: int(1, "policy updates per batch of generations; > 1 reuses them with the clipped ratio", {
    symbol: "μ",
    range: { min: 1 },
  }),
  importance_sampling_level: enm(
    ["token", "sequence"],
    "token",
    "one importance ratio per token (GRPO) or one per completion from its mean log-ratio (GSPO)",
  ),
  mask_truncated_completions: bool(
    false,
    "leave completions cut off at max_completion_length out of the loss (DAPO's overlong filtering)",
  ),
  entropy_coef: num(0, "weight of the entropy bonus subtracted from the loss; 0 = off"),
  reward_funcs: strList(["format", "accuracy"], "reward functions summed (weighted) into each reward"),
  reward_weights: numList(
    [],
    "one weight per reward function, in reward_funcs' order; [] = 1 each (or name one: accuracy_weight=2)",
  ),
  reward_options: map(
    2,
    "a reward's options over its defaults: reward_options.format.tags=scan,think,answer (README: Rewards)",
  ),
  custom_rewards: map(
    1,
    "rewards of your own: custom_rewards.NAME=path/to/module.ts, whose default export is " +
      "(completion, sample) => number | null; then put NAME in reward_funcs",
  ),
  reward_timeout_s: num(
    60,
    "seconds a custom reward may go without returning on any row; past it the step fails naming the " +
      "reward and the row, and the reward's worker is replaced",
    { range: { min: 0, minOpen: true } },
  ),
};

export const FIELDS = {
  ...RUN_FIELDS,
  ...DATA_FIELDS,
  ...OPTIMIZER_FIELDS,
  ...SAMPLING_FIELDS,
  ...GRPO_FIELDS,
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
  checkpoint: "model_name_or_path",
  "actor_rollout_ref.model.path": "model_name_or_path",
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
  grpo_beta: "beta",
  kl_loss_coef: "beta",
  "actor_rollout_ref.actor.kl_loss_coef": "beta",
  "algorithm.kl_ctrl.kl_coef": "beta",
  clip_ratio_low: "epsilon",
  "actor_rollout_ref.actor.clip_ratio_low": "epsilon",
  "actor_rollout_ref.actor.clip_ratio": "epsilon",
  clip_ratio_high: "epsilon_high",
  "actor_rollout_ref.actor.clip_ratio_high": "epsilon_high",
  clip_ratio_c: "dual_clip",
  "actor_rollout_ref.actor.clip_ratio_c": "dual_clip",
  ppo_epochs: "num_iterations",
  "actor_rollout_ref.actor.ppo_epochs": "num_iterations",
  entropy_coeff: "entropy_coef",
  "actor_rollout_ref.actor.entropy_coeff": "entropy_coef",
};

/** Why reward_weights does not fit reward_funcs, or undefined when it does ([] fits any). */
export function rewardWeightsProblem(
  c: Pick<RunConfig, "reward_funcs" | "reward_weights">,
): string | undefined {
  const n = c.reward_weights.length;
  if (n === 0 || n === c.reward_funcs.length) return undefined;
  return `reward_weights has ${n} weight${n === 1 ? "" : "s"} but reward_funcs has ` +
    `${c.reward_funcs.length} (${
      c.reward_funcs.join(", ")
    }): give one weight per function, or none for 1 each (reward_weights= with nothing after it)`;
}

/**
 * Checks across fields, run after every field is valid. Each returns an error message that names the
 * key(s) at fault, or undefined.
 */
export const CROSS_CHECKS: readonly ((c: RunConfig) => string | undefined)[] = [
  (c) =>
    c.image_size % 28 === 0
      ? undefined
      : `image_size ${c.image_size} must be a multiple of 28 (e.g. 112, 224)`,
  // A bound c <= 1 would cap the loss of ratios that the ε clip keeps, changing plain GRPO.
  (c) =>
    c.dual_clip === 0 || c.dual_clip > 1
      ? undefined
      : `dual_clip ${c.dual_clip} must be 0 (off) or greater than 1 (verl's clip_ratio_c is 3)`,
  (c) => c.reward_funcs.length > 0 ? undefined : "reward_funcs is empty: name at least one reward function",
  (c) => {
    const repeated = c.reward_funcs.find((name, i) => c.reward_funcs.indexOf(name) !== i);
    return repeated === undefined
      ? undefined
      : `reward_funcs names "${repeated}" twice (${c.reward_funcs.join(", ")}); give each function once`;
  },
  rewardWeightsProblem,
];
