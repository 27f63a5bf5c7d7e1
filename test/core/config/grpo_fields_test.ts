import { assert, assertEquals, assertThrows } from "../../assert.ts";
import {
  ConfigError,
  describeConfig,
  parseConfig,
  type RunConfig,
  weightedRewardNames,
} from "../../../core/config/mod.ts";
import type { ImportanceSamplingLevel } from "../../../core/grpo/importance.ts";
import type { KlEstimator } from "../../../core/grpo/kl.ts";
import type { LossType } from "../../../core/grpo/loss_aggregation.ts";
import type { RewardScaling } from "../../../core/grpo/advantages.ts";

const cli = (values: Record<string, unknown>) => ({ source: "command line", values });

/** true when A and B are the same type (not merely assignable one way). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;

Deno.test("parseConfig() gives every GRPO field its documented default", () => {
  const { config, notes } = parseConfig([]);
  assertEquals(config.beta, 0);
  assertEquals(config.epsilon, 0.2);
  assertEquals(config.epsilon_high, 0);
  assertEquals(config.dual_clip, 0);
  assertEquals(config.loss_type, "grpo");
  assertEquals(config.scale_rewards, "group");
  assertEquals(config.kl_estimator, "k3");
  assertEquals(config.num_iterations, 1);
  assertEquals(config.importance_sampling_level, "token");
  assertEquals(config.mask_truncated_completions, false);
  assertEquals(config.entropy_coef, 0);
  assertEquals(config.reward_funcs, ["format", "accuracy"]);
  assertEquals(config.reward_weights, []);
  assertEquals(notes, []);
});

Deno.test("RunConfig's GRPO enums are exactly core/grpo's strategy keys", () => {
  const same: [
    Equal<RunConfig["loss_type"], LossType>,
    Equal<RunConfig["kl_estimator"], KlEstimator>,
    Equal<RunConfig["scale_rewards"], RewardScaling>,
    Equal<RunConfig["importance_sampling_level"], ImportanceSamplingLevel>,
    Equal<RunConfig["reward_funcs"], readonly string[]>,
    Equal<RunConfig["reward_weights"], readonly number[]>,
  ] = [true, true, true, true, true, true];
  assertEquals(same.length, 6);
});

Deno.test("parseConfig() reads GRPO fields from key=value strings", () => {
  const { config } = parseConfig([cli({
    beta: "0.04",
    epsilon: "0.2",
    epsilon_high: "0.28",
    dual_clip: "3",
    loss_type: "dr_grpo",
    scale_rewards: "none",
    kl_estimator: "k1",
    num_iterations: "2",
    importance_sampling_level: "sequence",
    mask_truncated_completions: "true",
    entropy_coef: "-0.001",
  })]);
  assertEquals(config.beta, 0.04);
  assertEquals(config.epsilon_high, 0.28);
  assertEquals(config.dual_clip, 3);
  assertEquals(config.loss_type, "dr_grpo");
  assertEquals(config.scale_rewards, "none");
  assertEquals(config.kl_estimator, "k1");
  assertEquals(config.num_iterations, 2);
  assertEquals(config.importance_sampling_level, "sequence");
  assertEquals(config.mask_truncated_completions, true);
  assertEquals(config.entropy_coef, -0.001);
});

Deno.test("parseConfig() reads reward lists from comma strings and from JSON arrays", () => {
  const fromCli =
    parseConfig([cli({ reward_funcs: "format,accuracy,iou", reward_weights: "1,0.5,2" })]).config;
  assertEquals(fromCli.reward_funcs, ["format", "accuracy", "iou"]);
  assertEquals(fromCli.reward_weights, [1, 0.5, 2]);
  const fromFile = parseConfig([
    { source: "grpo.json", values: { reward_funcs: ["accuracy"], reward_weights: [0.5] } },
  ]).config;
  assertEquals(fromFile.reward_funcs, ["accuracy"]);
  assertEquals(fromFile.reward_weights, [0.5]);
  assert(Object.isFrozen(fromFile.reward_funcs) && Object.isFrozen(fromFile.reward_weights));
  // An empty value on the command line sets the empty list: reward_weights back to "1 each".
  assertEquals(
    parseConfig([cli({ reward_weights: "1,1" }), cli({ reward_weights: "" })]).config.reward_weights,
    [],
  );
});

Deno.test("parseConfig() rejects out-of-range GRPO values, naming the key and the range", () => {
  assertThrows(() => parseConfig([cli({ beta: "-0.1" })]), ConfigError, 'bad value for "beta"');
  assertThrows(
    () => parseConfig([cli({ epsilon: "1" })]),
    ConfigError,
    'bad value for "epsilon" (from command line): "1" is not a number in [0, 1)',
  );
  assertThrows(
    () => parseConfig([cli({ num_iterations: "0" })]),
    ConfigError,
    '"num_iterations" (from command line): "0" is not an integer in [1, inf)',
  );
  assertThrows(() => parseConfig([cli({ epsilon_high: "-1" })]), ConfigError, '"epsilon_high"');
  assertThrows(() => parseConfig([cli({ reward_weights: "1,x" })]), ConfigError, '"reward_weights"');
  assertThrows(
    () => parseConfig([{ source: "g.json", values: { reward_funcs: ["format", 1] } }]),
    ConfigError,
    'bad value for "reward_funcs" (from g.json): ["format",1] is not a list of strings',
  );
});

Deno.test("parseConfig() lists the allowed members and the nearest for a bad GRPO enum value", () => {
  assertThrows(
    () => parseConfig([cli({ loss_type: "drgrpo" })]),
    ConfigError,
    'bad value for "loss_type" (from command line): "drgrpo" is not one of grpo, bnpo, dr_grpo, dapo. ' +
      'Did you mean "dr_grpo"?',
  );
  assertThrows(
    () => parseConfig([cli({ scale_rewards: "true" })]),
    ConfigError,
    'bad value for "scale_rewards" (from command line): "true" is not one of group, batch, none',
  );
  assertThrows(
    () => parseConfig([cli({ kl_estimator: "low_var_kl" })]),
    ConfigError,
    '"kl_estimator" (from command line): "low_var_kl" is not one of k1, k2, k3',
  );
  assertThrows(
    () => parseConfig([cli({ importance_sampling_level: "seq" })]),
    ConfigError,
    'is not one of token, sequence. Did you mean "sequence"?',
  );
});

Deno.test("parseConfig() suggests the nearest name for a misspelt GRPO key", () => {
  assertThrows(
    () => parseConfig([cli({ num_generation: 4 })]),
    ConfigError,
    'unknown config key "num_generation" (from command line). Did you mean "num_generations"?',
  );
  assertThrows(() => parseConfig([cli({ loss_typ: "dapo" })]), ConfigError, 'Did you mean "loss_type"?');
  assertThrows(() => parseConfig([cli({ epsilon_hi: 0.3 })]), ConfigError, 'Did you mean "epsilon_high"?');
  assertThrows(
    () => parseConfig([cli({ reward_func: "format" })]),
    ConfigError,
    'Did you mean "reward_funcs"?',
  );
  // An alias's suggestion is the field it stands for.
  assertThrows(() => parseConfig([cli({ kl_los_coef: 0.1 })]), ConfigError, 'Did you mean "beta"?');
});

Deno.test("parseConfig() maps TRL, verl and R1-V names onto the GRPO fields, with a note each", () => {
  const cases: [string, unknown, keyof RunConfig, unknown][] = [
    ["grpo_beta", "0.04", "beta", 0.04],
    ["kl_loss_coef", "0.001", "beta", 0.001],
    ["actor_rollout_ref.actor.kl_loss_coef", 0.001, "beta", 0.001],
    ["algorithm.kl_ctrl.kl_coef", 0.002, "beta", 0.002],
    ["clip_ratio_low", "0.1", "epsilon", 0.1],
    ["actor_rollout_ref.actor.clip_ratio_low", 0.15, "epsilon", 0.15],
    ["actor_rollout_ref.actor.clip_ratio", 0.25, "epsilon", 0.25],
    ["clip_ratio_high", "0.28", "epsilon_high", 0.28],
    ["actor_rollout_ref.actor.clip_ratio_high", 0.3, "epsilon_high", 0.3],
    ["clip_ratio_c", "3", "dual_clip", 3],
    ["actor_rollout_ref.actor.clip_ratio_c", 10, "dual_clip", 10],
    ["ppo_epochs", "2", "num_iterations", 2],
    ["actor_rollout_ref.actor.ppo_epochs", 4, "num_iterations", 4],
    ["entropy_coeff", "0.01", "entropy_coef", 0.01],
    ["actor_rollout_ref.actor.entropy_coeff", 0.001, "entropy_coef", 0.001],
    ["grpo_sample_size", "8", "num_generations", 8],
    ["rollout.n", 6, "num_generations", 6],
  ];
  for (const [alias, raw, field, expected] of cases) {
    const { config, notes } = parseConfig([cli({ [alias]: raw })]);
    assertEquals(config[field], expected, alias);
    assertEquals(notes, [`config: "${alias}" (from command line) is read as ${field}`]);
  }
});

Deno.test("parseConfig() reads verl's nested actor keys from a file as GRPO fields", () => {
  const { config, notes } = parseConfig([{
    source: "verl.json",
    values: {
      actor_rollout_ref: {
        actor: { kl_loss_coef: 0.001, clip_ratio_low: 0.2, clip_ratio_high: 0.28, clip_ratio_c: 3 },
      },
    },
  }]);
  assertEquals([config.beta, config.epsilon, config.epsilon_high, config.dual_clip], [0.001, 0.2, 0.28, 3]);
  assertEquals(notes.length, 4);
  assert(notes[3].includes('"actor_rollout_ref.actor.clip_ratio_c" (from verl.json) is read as dual_clip'));
});

Deno.test("parseConfig() refuses a dual_clip between 0 and 1, naming the key", () => {
  for (const c of ["0.5", "1"]) {
    assertThrows(
      () => parseConfig([cli({ dual_clip: c })]),
      ConfigError,
      `bad config: dual_clip ${c} must be 0 (off) or greater than 1`,
    );
  }
  assertThrows(() => parseConfig([cli({ clip_ratio_c: "0.9" })]), ConfigError, "dual_clip 0.9");
  assertEquals(parseConfig([cli({ dual_clip: "1.5" })]).config.dual_clip, 1.5);
});

Deno.test("parseConfig() errors naming both lengths when reward_weights does not fit reward_funcs", () => {
  assertThrows(
    () => parseConfig([cli({ reward_weights: "1,2,3" })]),
    ConfigError,
    "bad config: reward_weights has 3 weights but reward_funcs has 2 (format, accuracy): " +
      "give one weight per function, or none for 1 each",
  );
  // The check runs on the merged config: a later reward_funcs can make an earlier list fit.
  const { config } = parseConfig([
    { source: "a.json", values: { reward_weights: [1, 2, 3] } },
    cli({ reward_funcs: "format,accuracy,iou" }),
  ]);
  assertEquals(config.reward_weights, [1, 2, 3]);
});

Deno.test("parseConfig() refuses an empty or repeated reward_funcs", () => {
  assertThrows(() => parseConfig([cli({ reward_funcs: "" })]), ConfigError, "reward_funcs is empty");
  assertThrows(
    () => parseConfig([cli({ reward_funcs: "format,accuracy,format" })]),
    ConfigError,
    'reward_funcs names "format" twice (format, accuracy, format)',
  );
});

Deno.test("parseConfig() maps accuracy_reward_weight onto reward_weights", () => {
  const { config, notes } = parseConfig([cli({ accuracy_reward_weight: "2" })]);
  assertEquals(config.reward_weights, [1, 2]);
  assert(Object.isFrozen(config.reward_weights));
  assertEquals(notes, [
    'config: "accuracy_reward_weight" (from command line) is read as the weight of reward "accuracy"',
    "config: reward_weights = [1, 2] for reward_funcs [format, accuracy] (1 where no weight is named)",
  ]);
});

Deno.test("parseConfig() maps format_weight onto reward_weights, over a given list", () => {
  const { config, notes } = parseConfig([
    cli({ reward_weights: "3,4", format_weight: 0.5 }),
  ]);
  assertEquals(config.reward_weights, [0.5, 4]);
  assertEquals(notes, [
    'config: "format_weight" (from command line) is read as the weight of reward "format"',
    "config: reward_weights = [0.5, 4] for reward_funcs [format, accuracy]",
  ]);
});

Deno.test("parseConfig() resolves named weights against the final reward_funcs, whichever layer set it", () => {
  const { config } = parseConfig([
    { source: "w.json", values: { iou_weight: 3, accuracy_reward_weight: 2 } },
    cli({ reward_funcs: "iou,format,accuracy", accuracy_weight: "5" }),
  ]);
  // Later layers win between two spellings of the same reward's weight.
  assertEquals(config.reward_weights, [3, 1, 5]);
});

Deno.test("parseConfig() prefers a reward named x_reward for x_reward_weight when reward_funcs has it", () => {
  assertEquals(weightedRewardNames("len_reward_weight"), ["len_reward", "len"]);
  assertEquals(weightedRewardNames("format_weight"), ["format"]);
  assertEquals(weightedRewardNames("_weight"), []);
  const { config } = parseConfig([
    cli({
      reward_funcs: "len_reward,format",
      "custom_rewards.len_reward": "len.ts",
      len_reward_weight: "0.1",
    }),
  ]);
  assertEquals(config.reward_weights, [0.1, 1]);
});

Deno.test("parseConfig() errors naming the key when a named weight's reward is not in reward_funcs", () => {
  const e = assertThrows(
    () => parseConfig([{ source: "r.json", values: { iou_reward_weight: 2 } }]),
    ConfigError,
    '"iou_reward_weight" (from r.json) is not a config key, and "iou" is not in reward_funcs ' +
      "(format, accuracy) for it to weigh",
  ) as ConfigError;
  assertEquals(e.key, "iou_reward_weight");
  assertEquals(e.source, "r.json");
  assertThrows(
    () => parseConfig([cli({ acuracy_weight: 2 })]),
    ConfigError,
    'for it to weigh. Did you mean "accuracy_weight"?',
  );
  assertThrows(
    () => parseConfig([cli({ accuracy_weight: "heavy" })]),
    ConfigError,
    'bad value for "accuracy_weight" (from command line): "heavy" is not a number',
  );
  assertThrows(
    () => parseConfig([cli({ reward_weights: "1,2,3", format_weight: 2 })]),
    ConfigError,
    "reward_weights has 3 weights but reward_funcs has 2 (format, accuracy)",
  );
});

Deno.test("parseConfig() keeps weight_decay a field, not a reward weight", () => {
  const { config, notes } = parseConfig([cli({ weight_decay: "0.1" })]);
  assertEquals(config.weight_decay, 0.1);
  assertEquals(config.reward_weights, []);
  assertEquals(notes, []);
});

Deno.test("describeConfig() lists the GRPO fields with defaults, symbols and the weight keys", () => {
  const text = describeConfig();
  assert(/\n {2}beta\s+default 0\s+weight of the KL penalty.*\(β\); a number in \[0, inf\)/.test(text), text);
  assert(/\n {2}epsilon\s+default 0\.2\s+.*\(ε\); a number in \[0, 1\)/.test(text));
  assert(/\n {2}epsilon_high\s+default 0\s+.*0 = same as epsilon \(ε_high\)/.test(text));
  assert(/\n {2}dual_clip\s+default 0\s+.*0 = off, else > 1 \(c\)/.test(text));
  assert(/\n {2}loss_type\s+default grpo\s+.*one of grpo, bnpo, dr_grpo, dapo/.test(text));
  assert(/\n {2}num_iterations\s+default 1\s+.*\(μ\)/.test(text));
  assert(/\n {2}reward_funcs\s+default format,accuracy\s/.test(text));
  assert(/\n {2}reward_weights\s+default \[\]\s/.test(text));
  assert(text.includes("clip_ratio_c -> dual_clip"));
  assert(text.includes("<name>_reward_weight=W or <name>_weight=W"));
});

Deno.test("parseConfig() reads reward_options.NAME.KEY and custom_rewards.NAME from files and the command line", () => {
  const file = {
    source: "run.json",
    values: {
      reward_options: { format: { tags: ["scan", "think", "answer"] } },
      custom_rewards: { mine: "r.ts" },
    },
  };
  const { config } = parseConfig([
    file,
    cli({ "reward_options.format.strict": "false", "reward_options.iou.x": 1 }),
  ]);
  assertEquals(config.reward_options, {
    format: { tags: ["scan", "think", "answer"], strict: "false" },
    iou: { x: 1 },
  });
  assertEquals(config.custom_rewards, { mine: "r.ts" });
  assertEquals(parseConfig([]).config.reward_options, {});
});

Deno.test("parseConfig() names a map key of the wrong shape", () => {
  const e = assertThrows(() => parseConfig([cli({ "reward_options.format": "x" })]), ConfigError);
  assertEquals(
    e.message,
    'bad config key "reward_options.format" (from command line): expected reward_options.NAME.OPTION=VALUE',
  );
  const f = assertThrows(() => parseConfig([cli({ "custom_rewards.a.b": "x.ts" })]), ConfigError);
  assertEquals(
    f.message,
    'bad config key "custom_rewards.a.b" (from command line): expected custom_rewards.NAME=VALUE',
  );
  const g = assertThrows(() => parseConfig([cli({ "custom_rewards.a": 3 })]), ConfigError);
  assertEquals(g.message, 'bad value for "custom_rewards.a" (from command line): 3 is not a string');
});

Deno.test("parseConfig() says where reward_funcs and reward_weights came from when their lengths differ", () => {
  const file = {
    source: "default.json",
    values: { reward_funcs: ["format", "accuracy"], reward_weights: [0.5, 1] },
  };
  const e = assertThrows(
    () => parseConfig([file, cli({ reward_funcs: "format,accuracy,length" })]),
    ConfigError,
  );
  assertEquals(
    e.message,
    "bad config: reward_weights has 2 weights but reward_funcs has 3 (format, accuracy, length): give one " +
      "weight per function, or none for 1 each (reward_weights= with nothing after it) " +
      "(reward_funcs from command line; reward_weights from default.json)",
  );
  const ok = parseConfig([file, cli({ reward_funcs: "format,accuracy,length", reward_weights: "" })]);
  assertEquals(ok.config.reward_weights, []);
});
