/**
 * Every command parses its command line through app/cli/args.ts: --help lists the flags it declares and
 * exits 0, an unknown flag exits 2 naming it, and a flag followed by another flag says it needs a value.
 * Each is run as a user runs it, in a subprocess.
 */
import { assert, assertEquals } from "../../assert.ts";
import { cli } from "./run_cli.ts";

/** Each command, the arguments before the flag under test, and flags its --help must list. */
const COMMANDS: { script: string; before?: string[]; lists: string[] }[] = [
  { script: "train.ts", lists: ["--resume DIR", "--overwrite", "--checkpoint VALUE", "--out VALUE"] },
  { script: "sft.ts", lists: ["--overwrite", "--out VALUE", "--seed VALUE"] },
  { script: "eval.ts", lists: ["--compare A B", "--n VALUE", "--overwrite"] },
  { script: "data.ts", before: ["check"], lists: ["PATH", "--image-folders VALUE"] },
  { script: "data.ts", before: ["export"], lists: ["PATH", "--to verl", "--overwrite"] },
  { script: "score.ts", lists: ["--in FILE.jsonl", "--out FILE.jsonl", "--rewards a,b"] },
  { script: "serve_rewards.ts", lists: ["--port N", "--host H", "--max-body-mb M"] },
  { script: "bench.ts", lists: ["--steps N", "--backends a,b", "--json FILE"] },
  { script: "demo.ts", lists: ["--out VALUE"] },
  { script: "serve_web.ts", lists: ["--port N", "--dir DIST"] },
];

const cwd = await Deno.makeTempDir();

for (const { script, before = [], lists } of COMMANDS) {
  const name = [script, ...before].join(" ");
  Deno.test(`${name} --help lists its flags and exits 0; --bogus exits 2 naming it`, async () => {
    const help = await cli(script, [...before, "--help"], cwd);
    assertEquals(help.code, 0, help.stderr);
    for (const flag of lists) {
      assert(help.stdout.includes(flag), `${name} --help lacks ${flag}:\n${help.stdout}`);
    }
    const bogus = await cli(script, [...before, "--bogus"], cwd);
    assertEquals(bogus.code, 2, `${name} --bogus: ${bogus.stdout}${bogus.stderr}`);
    assert(bogus.stderr.includes("error: unknown flag --bogus"), bogus.stderr);
  });
}

Deno.test("a value flag followed by another flag says it needs a value, in every kind of command", async () => {
  for (
    const [script, args, flag] of [
      ["train.ts", ["--seed", "--out", "x"], "--seed"],
      ["train.ts", ["--resume", "--overwrite"], "--resume"],
      ["eval.ts", ["--compare", "a", "--n", "3"], "--compare"],
      ["score.ts", ["--in", "--rewards", "format"], "--in"],
      ["bench.ts", ["--steps", "--json", "x"], "--steps"],
    ] as const
  ) {
    const r = await cli(script, [...args], cwd);
    assertEquals(r.code, 2, `${script} ${args.join(" ")}: ${r.stderr}`);
    assert(r.stderr.includes(`error: flag ${flag} needs`), r.stderr);
  }
});

Deno.test("bench and serve_web take no key=value settings; data takes one PATH", async () => {
  const bench = await cli("bench.ts", ["max_steps=3"], cwd);
  assertEquals(bench.code, 2, bench.stderr);
  assert(bench.stderr.includes('error: expected a --flag, got "max_steps=3"'), bench.stderr);
  const data = await cli("data.ts", ["check", "a.jsonl", "b.jsonl"], cwd);
  assertEquals(data.code, 2, data.stderr);
  assert(data.stderr.includes('got "b.jsonl" (PATH is already "a.jsonl")'), data.stderr);
});

Deno.test("an unknown reward is exit 2 in every command that takes rewards, naming it", async () => {
  for (
    const args of [
      ["train.ts", "reward_funcs=bogus"],
      ["sft.ts", "reward_funcs=bogus"],
      ["eval.ts", "--rewards", "bogus"],
      ["score.ts", "--in", "x.jsonl", "--rewards", "bogus"],
      ["serve_rewards.ts", "--rewards", "bogus"],
      ["data.ts", "check", "x.jsonl", "reward_funcs=bogus"],
    ]
  ) {
    const [script, ...rest] = args;
    const r = await cli(script, rest, cwd);
    assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert(r.stderr.startsWith('error: unknown reward function "bogus": known ones are format, '), r.stderr);
  }
});

Deno.test("eval's progress counts samples per second, train's seconds per step", async () => {
  const r = await cli("eval.ts", [
    "--n",
    "2",
    "max_completion_length=4",
    "--backend",
    "wasm",
    "--out",
    "rate",
  ], cwd);
  assertEquals(r.code, 0, r.stderr);
  assert(/eval {2}\[#+\] {2}2\/2 {2}[\d.]+ samples\/s {2}done in/.test(r.stderr), r.stderr);
});
