import { assert, assertEquals, assertThrows } from "../../assert.ts";
import {
  coerce,
  ConfigError,
  describeConfig,
  editDistance,
  FIELDS,
  nearest,
  numList,
  parseConfig,
  strList,
} from "../../../core/config/mod.ts";

const cli = (values: Record<string, unknown>) => ({ source: "command line", values });

Deno.test("parseConfig() returns the frozen defaults when given no layers", () => {
  const { config, notes } = parseConfig([]);
  assertEquals(config.task, "mixed");
  assertEquals(config.image_size, 112);
  assertEquals(config.backend, "auto");
  assertEquals(notes, []);
  assert(Object.isFrozen(config));
  for (const [name, field] of Object.entries(FIELDS)) {
    assertEquals(config[name as keyof typeof config], field.default);
  }
});

Deno.test("parseConfig() lets later layers win: defaults < file < command line", () => {
  const { config } = parseConfig([
    { source: "a.json", values: { learning_rate: 0.01, seed: 3 } },
    cli({ seed: "7" }),
  ]);
  assertEquals(config.learning_rate, 0.01);
  assertEquals(config.seed, 7);
});

Deno.test("parseConfig() coerces key=value strings by the field's type", () => {
  const { config } = parseConfig([
    cli({ learning_rate: "1e-3", freeze_vision_modules: "true", max_steps: "1e2", top_p: "0.9" }),
  ]);
  assertEquals(config.learning_rate, 1e-3);
  assertEquals(config.freeze_vision_modules, true);
  assertEquals(config.max_steps, 100);
  assertEquals(config.top_p, 0.9);
  assertEquals(parseConfig([cli({ freeze_vision_modules: "no" })]).config.freeze_vision_modules, false);
});

Deno.test("parseConfig() names the key, its source and the nearest known name for an unknown key", () => {
  const e = assertThrows(
    () => parseConfig([{ source: "runs/my.json", values: { lerning_rate: 1 } }]),
    ConfigError,
    'unknown config key "lerning_rate" (from runs/my.json). Did you mean "learning_rate"?',
  ) as ConfigError;
  assertEquals(e.key, "lerning_rate");
  assertEquals(e.source, "runs/my.json");
  assertThrows(() => parseConfig([cli({ beta1: 0.5 })]), ConfigError, 'Did you mean "adam_beta1"?');
  assertThrows(() => parseConfig([cli({ num_generation: 4 })]), ConfigError, "(from command line)");
  // Nothing close: no suggestion, still the key.
  const far = assertThrows(() => parseConfig([cli({ zzzzzzzzzz: 1 })]), ConfigError, '"zzzzzzzzzz"');
  assert(!far.message.includes("Did you mean"), far.message);
});

Deno.test("parseConfig() names the key, the value and the allowed type for a wrong type", () => {
  assertThrows(
    () => parseConfig([cli({ max_steps: "abc" })]),
    ConfigError,
    'bad value for "max_steps" (from command line): "abc" is not an integer in [1, inf)',
  );
  assertThrows(
    () => parseConfig([cli({ top_k: 1.5 })]),
    ConfigError,
    '"top_k" (from command line): 1.5 is not an integer',
  );
  assertThrows(
    () => parseConfig([{ source: "c.json", values: { freeze_vision_modules: 1 } }]),
    ConfigError,
    'bad value for "freeze_vision_modules" (from c.json): 1 is not true or false',
  );
  assertThrows(() => parseConfig([cli({ temperature: "0" })]), ConfigError, "is not a number in (0, inf)");
});

Deno.test("parseConfig() lists the allowed members of an enum and suggests the nearest", () => {
  assertThrows(
    () => parseConfig([cli({ task: "cont" })]),
    ConfigError,
    'bad value for "task" (from command line): "cont" is not one of count, attribute, grounding, tiny, mixed. ' +
      'Did you mean "count"?',
  );
});

Deno.test("parseConfig() applies aliases, nested or dotted, with a note", () => {
  const { config, notes } = parseConfig([
    { source: "verl.json", values: { actor_rollout_ref: { rollout: { n: 8 } } } },
    cli({ lr: "2e-4", max_new_tokens: "32" }),
  ]);
  assertEquals(config.num_generations, 8);
  assertEquals(config.learning_rate, 2e-4);
  assertEquals(config.max_completion_length, 32);
  assertEquals(notes, [
    'config: "actor_rollout_ref.rollout.n" (from verl.json) is read as num_generations',
    'config: "lr" (from command line) is read as learning_rate',
    'config: "max_new_tokens" (from command line) is read as max_completion_length',
  ]);
  assertEquals(parseConfig([cli({ grpo_sample_size: "2" })]).config.num_generations, 2);
});

Deno.test("parseConfig() checks fields against each other", () => {
  assertThrows(() => parseConfig([cli({ image_size: "100" })]), ConfigError, "multiple of 28");
});

Deno.test("editDistance() counts insertions, deletions and substitutions", () => {
  assertEquals(editDistance("kitten", "sitting"), 3);
  assertEquals(editDistance("", "abc"), 3);
  assertEquals(editDistance("lr", "lr"), 0);
});

Deno.test("nearest() prefers a candidate holding the name as whole words over a near edit", () => {
  assertEquals(nearest("beta1", ["beta", "adam_beta1"]), "adam_beta1");
  assertEquals(nearest("beta", ["beta", "adam_beta1"]), "beta");
  assertEquals(
    nearest("clip_ratio", ["epsilon", "actor_rollout_ref.actor.clip_ratio"]),
    "actor_rollout_ref.actor.clip_ratio",
  );
  assertEquals(nearest("num_generation", ["num_generations", "eval_n"]), "num_generations");
  assertEquals(nearest("eta", ["beta", "adam_beta1"]), "beta");
});

Deno.test("describeConfig() lists every field with its default and doc", () => {
  const text = describeConfig();
  for (const name of Object.keys(FIELDS)) assert(text.includes(`  ${name} `), name);
  assert(/learning_rate\s+default 0\.0003\s+peak learning rate/.test(text), text);
  assert(text.includes("lr -> learning_rate"));
});

Deno.test("coerce() splits list strings on commas and checks each element", () => {
  const names = strList([], "reward functions");
  assertEquals(coerce(names, "format, accuracy"), ["format", "accuracy"]);
  assertEquals(coerce(names, ""), []);
  assertEquals(coerce(names, ["a", 1]), undefined);
  const weights = numList([], "reward weights", { range: { min: 0 } });
  assertEquals(coerce(weights, "1,0.5"), [1, 0.5]);
  assertEquals(coerce(weights, [2, 3]), [2, 3]);
  assertEquals(coerce(weights, "1,x"), undefined);
  assertEquals(coerce(weights, "1,-1"), undefined);
});

Deno.test("parseConfig() refuses hexadecimal, binary and octal integers and keeps decimal forms", () => {
  for (const text of ["0x1", "0b1", "0o7", "1_000", "1e", "."]) {
    assertThrows(() => parseConfig([cli({ max_steps: text })]), ConfigError, "max_steps");
  }
  for (const [text, value] of [["8", 8], ["+8", 8], ["1e3", 1000], ["8.0", 8]] as const) {
    assertEquals(parseConfig([cli({ max_steps: text })]).config.max_steps, value, text);
  }
  assertEquals(parseConfig([cli({ learning_rate: ".5" })]).config.learning_rate, 0.5);
  assertEquals(parseConfig([cli({ learning_rate: "3e-4" })]).config.learning_rate, 3e-4);
});
