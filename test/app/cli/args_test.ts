import { assert, assertEquals, assertThrows } from "../../assert.ts";
import { type ArgsIo, type CommandSpec, jsonErrorLocation, parseArgs } from "../../../app/cli/args.ts";
import { ConfigError } from "../../../core/config/mod.ts";
import { REWARDS } from "../../../core/rewards/registry.ts";

const EVAL: CommandSpec = {
  name: "eval",
  summary: "evaluate a checkpoint",
  flags: {
    "--checkpoint": { key: "model_name_or_path" },
    "--task": { key: "task" },
    "--n": { key: "eval_n" },
  },
};
const NOW = new Date("2026-11-24T10:30:05.123Z");

/** An ArgsIo over in-memory files. */
function io(files: Record<string, string> = {}): ArgsIo {
  return {
    readTextFile: (path) => {
      if (!(path in files)) throw new Error(`No such file or directory: ${path}`);
      return files[path];
    },
    now: NOW,
  };
}

function run(argv: string[], files: Record<string, string> = {}, spec: CommandSpec = EVAL) {
  const parsed = parseArgs(argv, spec, io(files));
  if (parsed.kind !== "run") throw new Error("expected a run");
  return parsed;
}

Deno.test("parseArgs() maps shared and command flags and key=value onto the config", () => {
  const { config } = run([
    "--checkpoint",
    "runs/a/final.safetensors",
    "--task=count",
    "--n",
    "50",
    "--backend",
    "wasm",
    "--seed",
    "3",
    "temperature=0.7",
  ]);
  assertEquals(config.model_name_or_path, "runs/a/final.safetensors");
  assertEquals(config.task, "count");
  assertEquals(config.eval_n, 50);
  assertEquals(config.backend, "wasm");
  assertEquals(config.seed, 3);
  assertEquals(config.temperature, 0.7);
  assertEquals(config.out, "runs/eval-2026-11-24T10-30-05");
});

Deno.test("parseArgs() layers --config files under the command line", () => {
  const files = {
    "a.json": '{"seed": 1, "learning_rate": 0.01, "out": "runs/mine"}',
    "b.json": '{"seed": 2}',
  };
  const parsed = run(["--config", "a.json", "seed=9", "--config", "b.json"], files);
  assertEquals(parsed.config.seed, 9);
  assertEquals(parsed.config.learning_rate, 0.01);
  assertEquals(parsed.config.out, "runs/mine");
  assertEquals(parsed.configFiles, ["a.json", "b.json"]);
  assertEquals(run(["--out", "x", "out=y"]).config.out, "y"); // the later of the two wins
});

Deno.test("parseArgs() names the file and line of a config file that is not JSON", () => {
  const files = { "bad.json": '{\n  "seed": 1,\n}\n' };
  assertThrows(
    () => run(["--config", "bad.json"], files),
    ConfigError,
    "config file bad.json:3:1 is not valid JSON",
  );
  assertThrows(() => run(["--config", "missing.json"]), ConfigError, "cannot read config file missing.json");
  assertThrows(
    () => run(["--config", "arr.json"], { "arr.json": "[1]" }),
    ConfigError,
    "arr.json must hold a JSON object",
  );
});

Deno.test("parseArgs() names the file of an unknown key in a config file", () => {
  const files = { "c.json": '{"learnin_rate": 1}' };
  assertThrows(
    () => run(["--config", "c.json"], files),
    ConfigError,
    'unknown config key "learnin_rate" (from c.json). Did you mean "learning_rate"?',
  );
});

Deno.test("parseArgs() rejects unknown flags, flags without a value and bare words", () => {
  assertThrows(
    () => run(["--chekpoint", "x"]),
    ConfigError,
    "unknown flag --chekpoint. Did you mean --checkpoint?",
  );
  assertThrows(() => run(["--n"]), ConfigError, "flag --n needs a value");
  assertThrows(() => run(["count"]), ConfigError, 'expected key=value or a --flag, got "count"');
  assertThrows(() => run(["--backend", "webgl"]), ConfigError, 'bad value for "backend" (from command line)');
});

Deno.test("parseArgs() says which flag lacks its value when the next argument is another flag", () => {
  // Before: "--out" became the seed and "runs/x" a stray word.
  assertThrows(
    () => run(["--seed", "--out", "runs/x"]),
    ConfigError,
    "flag --seed needs a value, but the next argument is the flag --out " +
      "(write --seed VALUE, or --seed=VALUE for a value that starts with --)",
  );
  assertThrows(
    () => run(["--n", "-h"]),
    ConfigError,
    "flag --n needs a value, but the next argument is the flag -h",
  );
  assertThrows(() => run(["--out", "--config"]), ConfigError, "flag --out needs a value");
  // A negative number is a value, not a flag; a value that starts with -- is given after =.
  assertThrows(() => run(["--seed", "-1"]), ConfigError, 'bad value for "seed" (from command line): "-1"');
  assertEquals(run(["--out=--odd"]).config.out, "--odd");
});

Deno.test("parseArgs() reads a config file that starts with a UTF-8 byte-order mark", async () => {
  const dir = await Deno.makeTempDir();
  // The bytes EF BB BF that Windows editors write; Deno.readTextFileSync keeps them as U+FEFF.
  const bytes = new TextEncoder().encode('\uFEFF{\n  "seed": 3,\n  "learning_rate": 0.01\n}\n');
  assertEquals([...bytes.slice(0, 3)], [0xef, 0xbb, 0xbf]);
  await Deno.writeFile(`${dir}/bom.json`, bytes);
  const parsed = parseArgs(["--config", `${dir}/bom.json`], EVAL, {
    readTextFile: (p) => Deno.readTextFileSync(p),
    now: NOW,
  });
  assert(parsed.kind === "run");
  assertEquals([parsed.config.seed, parsed.config.learning_rate], [3, 0.01]);
  // The line of an error after the mark is counted as an editor shows it.
  assertThrows(
    () => run(["--config", "b.json"], { "b.json": '\uFEFF{\n  "seed": 1,\n}' }),
    ConfigError,
    "config file b.json:3:1 is not valid JSON",
  );
});

Deno.test("parseArgs() refuses a config file that gives a key twice, naming the file, key and lines", () => {
  const files = { "twice.json": '{\n  "learning_rate": 0.1,\n  "seed": 2,\n  "learning_rate": 0.001\n}' };
  const e = assertThrows(() => run(["--config", "twice.json"], files), ConfigError) as ConfigError;
  assertEquals(
    e.message,
    'config file twice.json:4: "learning_rate" is given twice (lines 2 and 4); JSON would keep only the ' +
      "last value, so give it once",
  );
  assertEquals([e.key, e.source], ["learning_rate", "twice.json"]);
  const nested = { "n.json": '{"rollout": {"n": 8,\n "n": 4}}' };
  assertThrows(
    () => run(["--config", "n.json"], nested),
    ConfigError,
    'n.json:2: "rollout.n" is given twice',
  );
  // The same key in two objects, or a key inside a string, is no repetition.
  const fine = { "ok.json": '{"reward_options": {"format": {"w": 1}, "accuracy": {"w": 2}}}' };
  assertEquals(run(["--config", "ok.json"], fine).config.reward_options, {
    format: { w: 1 },
    accuracy: { w: 2 },
  });
  assertEquals(
    run(["--config", "s.json"], { "s.json": '{"out": "\\"out\\": 1", "seed": 1}' }).config.out,
    '"out": 1',
  );
});

Deno.test("parseArgs() names an unknown reward in a config file before the reward_weights count", () => {
  // Before: "bad config: reward_weights has 2 weights but reward_funcs has 3 ...".
  const files = { "r.json": '{"reward_funcs": ["format", "acuracy", "iou"], "reward_weights": [1, 2]}' };
  const e = assertThrows(() => run(["--config", "r.json"], files), ConfigError) as ConfigError;
  assertEquals(
    e.message,
    `unknown reward function "acuracy": known ones are ${Object.keys(REWARDS).join(", ")}. Did you mean ` +
      '"accuracy"? (a module of your own goes in custom_rewards.NAME; reward_funcs from r.json)',
  );
  assertEquals(e.key, "reward_funcs");
});

Deno.test("parseArgs() returns help text listing flags and config keys for --help", () => {
  const parsed = parseArgs(["seed=1", "--help"], EVAL, io());
  assert(parsed.kind === "help");
  assert(parsed.text.includes("usage: deno task eval"));
  assert(parsed.text.includes("--n VALUE"));
  assert(parsed.text.includes("max_completion_length"));
});

Deno.test("jsonErrorLocation() reads V8's line and column or counts from a position", () => {
  assertEquals(jsonErrorLocation("", "Unexpected token in JSON at position 3 (line 2 column 2)"), {
    line: 2,
    column: 2,
  });
  assertEquals(jsonErrorLocation('{\n"a" 1}', "Unexpected number in JSON at position 6"), {
    line: 2,
    column: 5,
  });
  assertEquals(jsonErrorLocation("{\n", "Unexpected end of JSON input"), { line: 2, column: 1 });
  assertEquals(jsonErrorLocation("{}", "Unexpected token 'x'"), undefined);
});

Deno.test("parseArgsOrExit() exits with code 2 and an error line on a bad argument", async () => {
  const script = `import { parseArgsOrExit } from ${
    JSON.stringify(new URL("../../../app/cli/args.ts", import.meta.url).href)
  };
parseArgsOrExit({ name: "eval", summary: "x" });`;
  const cmd = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", script, "lerning_rate=1"],
    stdout: "piped",
    stderr: "piped",
  });
  const out = await cmd.output();
  assertEquals(out.code, 2);
  const stderr = new TextDecoder().decode(out.stderr);
  assert(stderr.includes('error: unknown config key "lerning_rate" (from command line)'), stderr);
});

const KINDS: CommandSpec = {
  name: "kinds",
  summary: "every kind of flag",
  flags: { "--task": { key: "task" } },
  values: { "--resume": { arg: "DIR", doc: "continue" }, "--compare": { arg: "A B", doc: "two", count: 2 } },
  switches: { "--overwrite": "replace" },
  positional: { key: "dataset", arg: "PATH", doc: "the data" },
};

Deno.test("parseArgs() takes each declared kind: config flags, own values (one or two), switches, one positional", () => {
  const r = run(
    ["data.jsonl", "--resume=runs/a", "--compare", "x", "y", "--overwrite", "--task", "count"],
    {},
    KINDS,
  );
  assertEquals(r.config.dataset, "data.jsonl");
  assertEquals(r.config.task, "count");
  assertEquals([...r.values], [["--resume", ["runs/a"]], ["--compare", ["x", "y"]]]);
  assertEquals([...r.switches], ["--overwrite"]);
  assertThrows(
    () => run(["--compare", "x"], {}, KINDS),
    ConfigError,
    "flag --compare needs 2 values: --compare A B",
  );
  assertThrows(
    () => run(["--compare=x"], {}, KINDS),
    ConfigError,
    "flag --compare takes 2 values: --compare A B",
  );
  assertThrows(
    () => run(["--resume", "a", "--resume", "b"], {}, KINDS),
    ConfigError,
    "flag --resume is given twice",
  );
  assertThrows(() => run(["a.jsonl", "b.jsonl"], {}, KINDS), ConfigError, '(PATH is already "a.jsonl")');
  assertThrows(() => run(["--overwrite=yes"], {}, KINDS), ConfigError, "flag --overwrite takes no value");
});

Deno.test("parseArgs() without shared flags or config refuses --out, --config and key=value, and --help lists what is declared", () => {
  const bare: CommandSpec = { ...KINDS, positional: undefined, sharedFlags: false, config: false };
  assertThrows(() => run(["--out", "x"], {}, bare), ConfigError, "unknown flag --out");
  assertThrows(() => run(["--config", "x.json"], {}, bare), ConfigError, "unknown flag --config");
  assertThrows(() => run(["seed=3"], {}, bare), ConfigError, 'expected a --flag, got "seed=3"');
  const help = parseArgs(["--help"], KINDS, io());
  assert(help.kind === "help");
  for (
    const line of ["PATH", "--resume DIR", "--compare A B", "--overwrite", "--task VALUE", "--out VALUE"]
  ) {
    assert(help.text.includes(line), `--help lacks ${line}`);
  }
});
