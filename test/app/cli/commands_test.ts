/**
 * The sft and eval commands as a user runs them: a subprocess per command, files on disk, exit codes.
 */
import { assert, assertEquals } from "../../assert.ts";
import { readSafetensors } from "../../../models/safetensors.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;

async function run(script: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}app/cli/${script}`, ...args],
    cwd: await Deno.makeTempDir(), // no command may depend on the working directory
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("deno task sft then eval: metrics, a checkpoint and predictions on disk", async () => {
  const dir = await Deno.makeTempDir();
  const sft = await run("sft.ts", [
    "max_steps=3",
    "per_device_train_batch_size=2",
    "image_size=56",
    "learning_rate=3e-3",
    "--backend",
    "wasm",
    "--out",
    `${dir}/sft`,
  ]);
  assertEquals(sft.code, 0, sft.stderr);
  assert(sft.stderr.includes("backend: wasm (requested)"), sft.stderr);
  assert(sft.stderr.includes("3/3"), `no progress on stderr: ${sft.stderr}`);
  const metrics = (await Deno.readTextFile(`${dir}/sft/metrics.jsonl`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assertEquals(metrics.map((m) => m.step), [1, 2, 3]);
  assert(metrics[2].loss < metrics[0].loss, `loss ${metrics.map((m) => m.loss)}`);
  const weights = readSafetensors(await Deno.readFile(`${dir}/sft/checkpoint/model.safetensors`));
  assertEquals(weights.tensors.size, 57);
  assertEquals(weights.metadata?.step, "3");

  const ev = await run("eval.ts", [
    "--checkpoint",
    `${dir}/sft/checkpoint`,
    "--task",
    "count",
    "--n",
    "4",
    "image_size=56",
    "max_completion_length=8",
    "--out",
    `${dir}/eval`,
  ]);
  assertEquals(ev.code, 0, ev.stderr);
  assert(/count\s+4\s/.test(ev.stdout), ev.stdout);
  const predictions = (await Deno.readTextFile(`${dir}/eval/predictions.jsonl`)).trim().split("\n");
  assertEquals(predictions.length, 4);
  assertEquals(JSON.parse(predictions[0]).task, "count");

  // A second sft or eval into the same folder is refused (no --overwrite) and changes nothing there.
  const logged = await Deno.readTextFile(`${dir}/sft/metrics.jsonl`);
  const sftAgain = await run("sft.ts", ["max_steps=1", "--backend", "wasm", "--out", `${dir}/sft`]);
  assertEquals([sftAgain.code, sftAgain.stderr.trim().split("\n").at(-1)], [
    1,
    `error: output folder ${dir}/sft is not empty: pass --overwrite to replace it, or another --out`,
  ]);
  assertEquals(await Deno.readTextFile(`${dir}/sft/metrics.jsonl`), logged);
  const evalAgain = await run("eval.ts", ["--n", "1", "--out", `${dir}/eval`]);
  assertEquals([evalAgain.code, evalAgain.stderr.trim().split("\n").at(-1)], [
    1,
    `error: output folder ${dir}/eval is not empty: pass --overwrite to replace it, or another --out`,
  ]);
  // eval --overwrite into a training run's folder would delete its checkpoint: refused by name.
  const evalIntoRun = await run("eval.ts", ["--n", "1", "--overwrite", "--out", `${dir}/sft`]);
  assertEquals(evalIntoRun.code, 1);
  assert(
    evalIntoRun.stderr.includes(
      `error: --overwrite: ${dir}/sft holds 1 entry that eval does not write (checkpoint); not deleting`,
    ),
    evalIntoRun.stderr,
  );
});

Deno.test("a missing checkpoint is an error that names the file", async () => {
  const out = await run("eval.ts", ["--checkpoint", "/no/such/dir", "--n", "1"]);
  assertEquals(out.code, 1);
  assertEquals(
    out.stderr.trim().split("\n").at(-1),
    "error: checkpoint /no/such/dir does not exist",
  );
});
