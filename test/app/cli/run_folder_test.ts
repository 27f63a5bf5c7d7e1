/**
 * run_folder.ts on real folders: a resume checks the whole saved state before touching any file, never
 * cuts another run's logs, drops only a torn last line, and save_total_limit keeps the newest checkpoints.
 */
import { assertEquals, assertRejects, assertThrows } from "../../assert.ts";
import { checkTrainProgress, cutJsonl, planResume, pruneCheckpoints } from "../../../app/cli/run_folder.ts";
import { writeSafetensors } from "../../../models/safetensors.ts";

const METRICS = [1, 2, 3, 4].map((s) => `{"step":${s},"loss":0.${s}}\n`).join("");
const SAMPLES = [1, 2, 3, 4].map((s) => `{"step":${s},"group":0}\n`).join("");

function weights(metadata: Record<string, string> = {}): Uint8Array {
  return writeSafetensors(new Map([["w", { shape: [2], data: new Float32Array([1, 2]) }]]), metadata);
}

/** A run folder at step 4 with a checkpoint at step 2; `state` overrides trainer_state.json's fields. */
async function savedRun(state: Record<string, unknown> = {}): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/metrics.jsonl`, METRICS);
  await Deno.writeTextFile(`${dir}/samples.jsonl`, SAMPLES);
  const ckpt = `${dir}/checkpoint-2`;
  await Deno.mkdir(ckpt);
  const progress = { step: 2, rngState: 7, rewardWeights: [1, 1], config: { max_steps: 4 }, ...state };
  await Deno.writeTextFile(`${ckpt}/trainer_state.json`, JSON.stringify(progress));
  await Deno.writeTextFile(`${ckpt}/run_config.json`, "{}");
  // readCheckpoint() checks config.json's fields, so the model's is the shipped one.
  await Deno.copyFile(
    new URL("../../../public/checkpoints/tiny-sft/config.json", import.meta.url),
    `${ckpt}/config.json`,
  );
  await Deno.writeFile(`${ckpt}/model.safetensors`, weights());
  await Deno.writeFile(`${ckpt}/optimizer.safetensors`, weights({ step: "2" }));
  return dir;
}

async function logsOf(dir: string): Promise<string[]> {
  return [await Deno.readTextFile(`${dir}/metrics.jsonl`), await Deno.readTextFile(`${dir}/samples.jsonl`)];
}

Deno.test("cutJsonl() keeps lines up to the step and drops a torn last line with a note", () => {
  const torn = METRICS + '{"step":5,"loss":"0.';
  const cut = cutJsonl(torn, "run/metrics.jsonl", 3);
  assertEquals(cut.kept, METRICS.split("\n").slice(0, 3).join("\n") + "\n");
  assertEquals(cut.dropped, 1);
  assertEquals(cut.notes, ["run/metrics.jsonl:5: dropped a torn last line (20 characters, no newline)"]);
});

Deno.test("cutJsonl() refuses a bad line that is not the last, naming FILE:LINE", () => {
  assertThrows(
    () => cutJsonl('{"step":1}\n{"step":2\n{"step":3}\n', "run/metrics.jsonl", 3),
    Error,
    "run/metrics.jsonl:2: not a JSON line (",
  );
  assertThrows(
    () => cutJsonl('{"step":1}\n{"loss":2}\n', "m.jsonl", 3),
    Error,
    'm.jsonl:2: the line has no numeric "step"',
  );
});

Deno.test("checkTrainProgress() names the file and the field for a bad step, and the folder's N", () => {
  const ok = { step: 2, rngState: 1, rewardWeights: [1], config: {} };
  const f = "c/checkpoint-2/trainer_state.json";
  assertEquals(checkTrainProgress(ok, f, 2).step, 2);
  assertThrows(
    () => checkTrainProgress({ ...ok, step: -1 }, f, 2),
    Error,
    `${f}: "step" must be a whole number >= 0, got -1`,
  );
  assertThrows(
    () => checkTrainProgress({ ...ok, step: "2" }, f, 2),
    Error,
    `${f}: "step" must be a whole number >= 0, got "2"`,
  );
  assertThrows(
    () => checkTrainProgress({ ...ok, step: 5 }, f, 2),
    Error,
    `${f}: "step" is 5, but its folder is checkpoint-2`,
  );
  assertThrows(
    () => checkTrainProgress({ ...ok, rngState: -3 }, f, 2),
    Error,
    `${f}: "rngState" must be an unsigned 32-bit integer`,
  );
  assertThrows(
    () => checkTrainProgress({ ...ok, rewardWeights: ["a"] }, f, 2),
    Error,
    `${f}: "rewardWeights" must be a list of numbers`,
  );
  assertThrows(() => checkTrainProgress([], f, 2), Error, `${f}: expected a JSON object`);
});

Deno.test("planResume() with a bad trainer_state.json fails before any log is touched", async () => {
  for (const step of [-1, "2", 5]) {
    const dir = await savedRun({ step });
    await assertRejects(() => planResume(dir, dir), Error, "trainer_state.json");
    assertEquals(await logsOf(dir), [METRICS, SAMPLES], `step ${JSON.stringify(step)}`);
  }
});

Deno.test("planResume() names a missing or unparsable checkpoint file and touches nothing", async () => {
  const dir = await savedRun();
  await Deno.remove(`${dir}/checkpoint-2/optimizer.safetensors`);
  await assertRejects(
    () => planResume(dir, dir),
    Error,
    `${dir}/checkpoint-2/optimizer.safetensors is missing`,
  );
  await Deno.writeFile(`${dir}/checkpoint-2/optimizer.safetensors`, weights({ step: "2" }).subarray(0, 30));
  await assertRejects(
    () => planResume(dir, dir),
    Error,
    `${dir}/checkpoint-2/optimizer.safetensors: safetensors: `,
  );
  await Deno.writeTextFile(`${dir}/checkpoint-2/run_config.json`, "{");
  await assertRejects(
    () => planResume(dir, dir),
    Error,
    `${dir}/checkpoint-2/run_config.json is not valid JSON`,
  );
  assertEquals(await logsOf(dir), [METRICS, SAMPLES]);
});

Deno.test("planResume() refuses a non-empty --out that is another run's folder and leaves it whole", async () => {
  const a = await savedRun();
  const b = await savedRun();
  await assertRejects(
    () => planResume(a, b),
    Error,
    `--resume ${a} continues the run in ${a}, but --out ${b} is another folder and not empty`,
  );
  assertEquals(await logsOf(a), [METRICS, SAMPLES]);
  assertEquals(await logsOf(b), [METRICS, SAMPLES]);
});

Deno.test("planResume().apply() cuts the logs back to the step, in place or into an empty --out", async () => {
  const a = await savedRun();
  const copy = `${await Deno.makeTempDir()}/b`;
  const intoCopy = await planResume(a, copy);
  assertEquals(intoCopy.progress.step, 2);
  const lines = await intoCopy.apply();
  const upTo2 = (log: string) => log.split("\n").slice(0, 2).join("\n") + "\n";
  assertEquals(await logsOf(copy), [upTo2(METRICS), upTo2(SAMPLES)]);
  assertEquals(await logsOf(a), [METRICS, SAMPLES]);
  assertEquals(
    lines.at(-1),
    `resuming ${a}/checkpoint-2 at step 2 into ${copy} (a copy of ${a}'s logs up to step 2)`,
  );
  const inPlace = await planResume(`${a}/checkpoint-2`, a);
  assertEquals(
    (await inPlace.apply()).at(-1),
    `resuming ${a}/checkpoint-2 at step 2; dropped 4 logged lines after step 2`,
  );
  assertEquals(await logsOf(a), [upTo2(METRICS), upTo2(SAMPLES)]);
});

Deno.test("pruneCheckpoints() keeps the newest N up to the step and nothing else is touched", async () => {
  const dir = await Deno.makeTempDir();
  for (const n of [1, 2, 3, 4, 10]) await Deno.mkdir(`${dir}/checkpoint-${n}`);
  await Deno.writeTextFile(`${dir}/metrics.jsonl`, "");
  assertEquals(await pruneCheckpoints(dir, 0, 4), []);
  assertEquals(await pruneCheckpoints(dir, 2, 4), [`${dir}/checkpoint-2`, `${dir}/checkpoint-1`]);
  const left: string[] = [];
  for await (const e of Deno.readDir(dir)) left.push(e.name);
  assertEquals(left.sort(), ["checkpoint-10", "checkpoint-3", "checkpoint-4", "metrics.jsonl"]);
});
