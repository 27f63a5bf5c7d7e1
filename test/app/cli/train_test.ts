/**
 * deno task train as a user runs it: the default run's settings with small overrides, a run folder on
 * disk, --resume continuing exactly, and the refusal to write into a non-empty folder.
 */
import { REWARDS } from "../../../core/rewards/registry.ts";
import { assert, assertEquals } from "../../assert.ts";
import { METRIC_NAMES } from "../../../core/grpo/step_metrics.ts";
import { readSafetensors } from "../../../models/safetensors.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;

async function train(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}app/cli/train.ts`, ...args],
    cwd: await Deno.makeTempDir(), // the default run's checkpoint path must not need the project folder
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

const SMALL = [
  "per_device_train_batch_size=2",
  "num_generations=2",
  "max_completion_length=12",
  "image_size=56",
  "save_steps=2",
  "logging_steps=1",
  // Runs here are extended with --resume and a higher max_steps; the default run's cosine schedule
  // would stretch with it (said, and tested below), so these keep the rate constant.
  "lr_scheduler_type=constant",
  "--backend",
  "wasm",
];

const readJsonl = async (path: string) =>
  (await Deno.readTextFile(path)).trim().split("\n").map((l) => JSON.parse(l) as Record<string, number>);

const untimed = (m: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(m).filter(([k]) => !k.startsWith("time/") && !k.startsWith("throughput/")),
  );

Deno.test("deno task train: 3 steps straight equal 2 steps then --resume to 3, step for step", async () => {
  const dir = await Deno.makeTempDir();
  const straight = await train([...SMALL, "max_steps=3", "--out", `${dir}/a`]);
  assertEquals(straight.code, 0, straight.stderr);
  assert(straight.stderr.includes("3/3"), `no progress on stderr: ${straight.stderr}`);
  const a = await readJsonl(`${dir}/a/metrics.jsonl`);
  assertEquals(a.map((m) => m.step), [1, 2, 3]);
  for (const m of a) {
    for (const name of METRIC_NAMES) assert(name in m, `${name} missing from step ${m.step}`);
  }
  const samples = await readJsonl(`${dir}/a/samples.jsonl`);
  assertEquals(samples.length, 3 * 2, "one line per group per logging step");
  for (const name of ["config.json", "model.safetensors", "run_config.json", "trainer_state.json"]) {
    await Deno.stat(`${dir}/a/checkpoint-2/${name}`);
  }
  const moments = readSafetensors(await Deno.readFile(`${dir}/a/checkpoint-3/optimizer.safetensors`));
  assert(moments.tensors.size > 0);

  const first = await train([...SMALL, "max_steps=2", "--out", `${dir}/b`]);
  assertEquals(first.code, 0, first.stderr);
  const again = await train([...SMALL, "max_steps=2", "--out", `${dir}/b`]);
  assertEquals(again.code, 1);
  assert(again.stderr.includes(`output folder ${dir}/b is not empty: pass --resume`), again.stderr);
  const resumed = await train(["--resume", `${dir}/b`, "max_steps=3"]);
  assertEquals(resumed.code, 0, resumed.stderr);
  assert(resumed.stderr.includes("resuming"), resumed.stderr);
  const b = await readJsonl(`${dir}/b/metrics.jsonl`);
  assertEquals(b.map(untimed), a.map(untimed));
});

Deno.test("deno task train --resume from a middle checkpoint replays the default's cosine schedule exactly", async () => {
  // As after a crash at step 2 of 3: the default run's cosine decay and two updates per batch, max_steps
  // unchanged, so the resumed steps must equal the straight run's.
  const dir = await Deno.makeTempDir();
  const cosine = SMALL.filter((a) => !a.startsWith("lr_scheduler_type"));
  const straight = await train([...cosine, "max_steps=3", "--out", dir]);
  assertEquals(straight.code, 0, straight.stderr);
  const a = await readJsonl(`${dir}/metrics.jsonl`);
  const resumed = await train(["--resume", `${dir}/checkpoint-2`]);
  assertEquals(resumed.code, 0, resumed.stderr);
  // Step 3's metric line and its 2 groups' sample lines.
  assert(resumed.stderr.includes("dropped 3 logged lines after step 2"), resumed.stderr);
  const b = await readJsonl(`${dir}/metrics.jsonl`);
  assertEquals(b.map(untimed), a.map(untimed));
  assert(a[1].learning_rate < a[0].learning_rate, "the rate decays");
});

Deno.test("deno task train --resume with a higher max_steps says that a cosine schedule is stretched", async () => {
  const dir = await Deno.makeTempDir();
  const first = await train([...SMALL, "lr_scheduler_type=cosine", "max_steps=1", "--out", dir]);
  assertEquals(first.code, 0, first.stderr);
  const resumed = await train(["--resume", dir, "max_steps=2"]);
  assertEquals(resumed.code, 0, resumed.stderr);
  assert(
    resumed.stderr.includes(
      "resume: max_steps 1 -> 2 with lr_scheduler_type=cosine: the learning rate from step 2 on follows " +
        "the stretched schedule, so the run will not replay a straight 2-step run",
    ),
    resumed.stderr,
  );
});

Deno.test("deno task train rejects an unknown reward with the known ones, exit 2", async () => {
  const r = await train([
    ...SMALL,
    "reward_funcs=format,acuracy",
    "max_steps=1",
    "--out",
    await Deno.makeTempDir(),
  ]);
  assertEquals(r.code, 2, r.stderr);
  const known = Object.keys(REWARDS).join(", ");
  assert(
    r.stderr.includes(`unknown reward function "acuracy": known ones are ${known}. Did you mean "accuracy"?`),
    r.stderr,
  );
});

Deno.test("deno task train refuses a batch that cannot fit in max_memory_gb before building a model, exit 1", async () => {
  const out = `${await Deno.makeTempDir()}/run`;
  const r = await train([...SMALL, "per_device_train_batch_size=100000", "max_steps=1", "--out", out]);
  assertEquals(r.code, 1, r.stderr);
  assert(r.stderr.includes("per_device_train_batch_size=100000 x num_generations="), r.stderr);
  assert(
    r.stderr.includes("over the limit of max_memory_gb=16; lower per_device_train_batch_size"),
    r.stderr,
  );
  assert(!r.stderr.includes("parameters"), r.stderr); // the model line is never reached
});

Deno.test("deno task train keeps save_total_limit checkpoints and never cuts another run's logs on --resume", async () => {
  const dir = await Deno.makeTempDir();
  const a = await train([...SMALL, "max_steps=3", "save_steps=1", "save_total_limit=2", "--out", `${dir}/a`]);
  assertEquals(a.code, 0, a.stderr);
  assert(a.stderr.includes(`save_total_limit 2: removed ${dir}/a/checkpoint-1`), a.stderr);
  const left = [];
  for await (const e of Deno.readDir(`${dir}/a`)) left.push(e.name);
  assertEquals(left.sort(), [
    "checkpoint-2",
    "checkpoint-3",
    "metrics.jsonl",
    "samples.jsonl",
  ]);

  const b = await train([...SMALL, "max_steps=1", "--out", `${dir}/b`]);
  assertEquals(b.code, 0, b.stderr);
  const logged = await Deno.readTextFile(`${dir}/b/metrics.jsonl`);
  const into = await train(["--resume", `${dir}/a/checkpoint-2`, "--out", `${dir}/b`]);
  assertEquals(into.code, 1);
  assert(
    into.stderr.includes(
      `error: --resume ${dir}/a/checkpoint-2 continues the run in ${dir}/a, but --out ${dir}/b is another ` +
        "folder and not empty (checkpoint-1, metrics.jsonl, samples.jsonl); not touching it",
    ),
    into.stderr,
  );
  assertEquals(await Deno.readTextFile(`${dir}/b/metrics.jsonl`), logged);
  assertEquals((await readJsonl(`${dir}/a/metrics.jsonl`)).length, 3);
});
