/**
 * Custom rewards as a user meets them on the command line: `deno task score` and `deno task train`
 * refuse a URL module, say on every start (and on --resume) which code a custom reward runs, run it
 * without access to files outside its folder, and fail a reward that never returns after
 * reward_timeout_s, naming the reward and the row.
 */
import { assert, assertEquals } from "../../assert.ts";
import { cli } from "./run_cli.ts";

/** A working directory with rewards/NAME.js for each module and one input line per completion. */
async function workdir(modules: Record<string, string>, completions: string[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "grpo-lab-custom-cli-" });
  await Deno.mkdir(`${dir}/rewards`);
  for (const [name, text] of Object.entries(modules)) {
    await Deno.writeTextFile(`${dir}/rewards/${name}.js`, text);
  }
  await Deno.writeTextFile(
    `${dir}/in.jsonl`,
    completions.map((c) => JSON.stringify({ completion: c, solution: "2" })).join("\n") + "\n",
  );
  return dir;
}

const note = (dir: string, name: string) =>
  `custom reward ${name}: runs code from ${dir}/rewards/${name}.js (in a worker that may only read ` +
  `${dir}/rewards/: no write, net, env, run, ffi or sys)`;

Deno.test("deno task score refuses custom_rewards.x=http://..., exit 2", async () => {
  const dir = await workdir({}, ["a"]);
  const out = await cli("score.ts", [
    "--in",
    "in.jsonl",
    "--rewards",
    "x",
    "custom_rewards.x=http://127.0.0.1:1/x.js",
  ], dir);
  assertEquals(out.code, 2);
  assertEquals(
    out.stderr.trim().split("\n").at(-1),
    'error: custom_rewards.x: "http://127.0.0.1:1/x.js" is a http: URL; a custom reward must be a file path ' +
      "(its code runs on this machine, so it is never fetched from elsewhere)",
  );
  assertEquals(out.stdout, "");
});

Deno.test("deno task score says what code a custom reward runs, and the reward cannot read outside its folder", async () => {
  const dir = await workdir({
    peek:
      'export default async () => (await Deno.readTextFile(new URL("../in.jsonl", import.meta.url))).length;',
  }, ["a"]);
  const out = await cli("score.ts", [
    "--in",
    "in.jsonl",
    "--rewards",
    "peek",
    "custom_rewards.peek=rewards/peek.js",
  ], dir);
  assertEquals(out.code, 1, out.stderr);
  const said = out.stderr.split("\n");
  assertEquals(said[0], note(dir, "peek"));
  const denied = `reward "peek" failed on row 0 (sample 1): Requires read access to "${dir}/in.jsonl", run ` +
    "again with the --allow-read flag";
  assertEquals(JSON.parse(out.stdout), { line: 1, error: denied });
  assert(said.includes(`in.jsonl:1: ${denied}`), out.stderr);
});

Deno.test("deno task score fails a custom reward that never returns after reward_timeout_s, and scores the other lines", async () => {
  const dir = await workdir({
    stuck: 'export default (completion) => { if (completion === "stuck") { while (true) {} } return 1; };',
  }, ["a", "stuck", "b"]);
  const out = await cli("score.ts", [
    "--in",
    "in.jsonl",
    "--rewards",
    "stuck",
    "custom_rewards.stuck=rewards/stuck.js",
    "reward_timeout_s=1",
  ], dir);
  assertEquals(out.code, 1, out.stderr);
  // The batch fails on row 1; score then scores line by line in a new worker: only line 2 fails, and the
  // call for line 3, queued behind it, goes to the worker started after it.
  assertEquals(out.stdout.trim().split("\n").map((l) => JSON.parse(l)), [
    { line: 1, id: 1, stuck: 1, total: 1 },
    {
      line: 2,
      error: 'reward "stuck" failed on row 0 (sample 2): did not return within 1 s (reward_timeout_s); its ' +
        "worker was stopped and the next call starts a new one",
    },
    { line: 3, id: 3, stuck: 1, total: 1 },
  ]);
});

const TRAIN = [
  "per_device_train_batch_size=2",
  "num_generations=2",
  "max_completion_length=8",
  "image_size=56",
  "save_steps=1",
  "logging_steps=1",
  "reward_funcs=format,mine",
  "custom_rewards.mine=rewards/mine.js",
  "--backend",
  "cpu",
];

Deno.test("deno task train says what code a custom reward runs on the start and again on --resume", async () => {
  const dir = await workdir({ mine: "export default (completion) => completion.length > 0 ? 1 : 0;" }, []);
  const first = await cli("train.ts", [...TRAIN, "max_steps=1", "--out", "run"], dir);
  assertEquals(first.code, 0, first.stderr);
  assert(first.stderr.split("\n").includes(note(dir, "mine")), first.stderr);
  const resumed = await cli("train.ts", ["--resume", "run", "max_steps=2", "--backend", "cpu"], dir);
  assertEquals(resumed.code, 0, resumed.stderr);
  assert(resumed.stderr.split("\n").includes(note(dir, "mine")), resumed.stderr);
  assert(resumed.stderr.includes("resuming at step 1"), resumed.stderr);
});
