/**
 * A checkpoint given to train, sft or eval is checked as it is read, and every error names the file:
 * a missing file, a damaged model.safetensors, a config.json that is not JSON or whose fields disagree,
 * a NaN weight, and a model=NAME that is not the checkpoint's model.
 */
import { assert, assertEquals, assertRejects } from "../../assert.ts";
import { readCheckpoint, readCheckpointFiles } from "../../../app/cli/trainer_client.ts";
import { loadStartingWeights } from "../../../models/qwen2_vl/checkpoint.ts";
import { readSafetensors, writeSafetensors } from "../../../models/safetensors.ts";
import { cli } from "./run_cli.ts";

const SHIPPED = new URL("../../../public/checkpoints/tiny-sft/", import.meta.url).pathname;
const TRUNCATED = "safetensors: header length 5536 exceeds the 992 bytes after it (truncated?)";
const NAN = "tensor model.layers.0.mlp.up_proj.weight holds NaN at element 17; the checkpoint is damaged";

/** A copy of the shipped checkpoint in a temp folder, with `change` applied to its files. */
async function checkpoint(
  change: { config?: (text: string) => string; weights?: (bytes: Uint8Array) => Uint8Array } = {},
): Promise<string> {
  const dir = await Deno.makeTempDir();
  const config = await Deno.readTextFile(`${SHIPPED}config.json`);
  await Deno.writeTextFile(`${dir}/config.json`, change.config ? change.config(config) : config);
  const weights = await Deno.readFile(`${SHIPPED}model.safetensors`);
  await Deno.writeFile(`${dir}/model.safetensors`, change.weights ? change.weights(weights) : weights);
  return dir;
}

const truncate = (bytes: Uint8Array) => bytes.subarray(0, 1000);

function withNaN(bytes: Uint8Array): Uint8Array {
  const { tensors, metadata } = readSafetensors(bytes);
  tensors.get("model.layers.0.mlp.up_proj.weight")!.data[17] = NaN;
  return writeSafetensors(tensors, metadata);
}

const lastLine = (text: string) => text.trim().split("\n").at(-1);

Deno.test("readCheckpoint() names the folder or the file that is missing", async () => {
  await assertRejects(() => readCheckpoint("/no/such/dir"), Error, "checkpoint /no/such/dir does not exist");
  const dir = await checkpoint();
  await Deno.remove(`${dir}/model.safetensors`);
  await assertRejects(() => readCheckpoint(dir), Error, `${dir}/model.safetensors is missing`);
  const lone = await Deno.makeTempDir();
  await Deno.copyFile(`${SHIPPED}model.safetensors`, `${lone}/w.safetensors`);
  await assertRejects(() => readCheckpoint(`${lone}/w.safetensors`), Error, `${lone}/config.json is missing`);
  await assertRejects(
    () => readCheckpoint(`${dir}/config.json`),
    Error,
    `checkpoint ${dir}/config.json is a file: give its folder (config.json + model.safetensors) or a ` +
      ".safetensors file",
  );
});

Deno.test("readCheckpoint() names model.safetensors when it is truncated, for a folder and a file path", async () => {
  const dir = await checkpoint({ weights: truncate });
  await assertRejects(() => readCheckpoint(dir), Error, `${dir}/model.safetensors: ${TRUNCATED}`);
  await assertRejects(
    () => readCheckpoint(`${dir}/model.safetensors`),
    Error,
    `${dir}/model.safetensors: ${TRUNCATED}`,
  );
});

Deno.test("readCheckpoint() names config.json when it is not JSON or its fields disagree", async () => {
  const broken = await checkpoint({ config: (t) => t.slice(0, 40) });
  await assertRejects(() => readCheckpoint(broken), Error, `${broken}/config.json is not valid JSON: `);
  const heads = await checkpoint({
    config: (t) => JSON.stringify({ ...JSON.parse(t), hidden_size: 100, num_attention_heads: 3 }),
  });
  await assertRejects(
    () => readCheckpoint(heads),
    Error,
    `${heads}/config.json: hidden_size 100 is not a multiple of num_attention_heads 3`,
  );
});

Deno.test("readCheckpointFiles() names the first tensor that holds NaN; a folder's is named as it streams", async () => {
  const dir = await checkpoint({ weights: withNaN });
  await assertRejects(() => readCheckpointFiles(dir), Error, `${dir}/model.safetensors: ${NAN}`);
  // A folder is not read whole by readCheckpoint (headers only): the worker's streamed load names it.
  const folder = await readCheckpoint(dir);
  assertEquals("folder" in folder && folder.folder, dir);
  await assertRejects(() => loadStartingWeights(folder), Error, `${dir}/model.safetensors: ${NAN}`);
});

Deno.test("readCheckpointFiles() returns the files' paths with a whole checkpoint", async () => {
  const dir = await checkpoint();
  const files = await readCheckpointFiles(`${dir}/model.safetensors`);
  assertEquals(files.source, { configJson: `${dir}/config.json`, safetensors: `${dir}/model.safetensors` });
});

Deno.test("train, sft and eval --checkpoint name the damaged file in their error", async () => {
  const truncated = await checkpoint({ weights: truncate });
  const nan = await checkpoint({ weights: withNaN });
  const cases: [string, string[], string][] = [
    ["train.ts", ["--checkpoint", truncated], `${truncated}/model.safetensors: ${TRUNCATED}`],
    [
      "sft.ts",
      ["--checkpoint", `${truncated}/model.safetensors`],
      `${truncated}/model.safetensors: ${TRUNCATED}`,
    ],
    ["eval.ts", ["--checkpoint", nan, "--n", "1"], `${nan}/model.safetensors: ${NAN}`],
  ];
  for (const [script, args, message] of cases) {
    const cwd = await Deno.makeTempDir();
    const out = await cli(script, [...args, "--backend", "wasm", "--out", `${cwd}/out`], cwd);
    assertEquals([out.code, lastLine(out.stderr)], [1, `error: ${message}`], `${script}: ${out.stderr}`);
  }
});

Deno.test("train model=qwen2_vl_2b with the tiny checkpoint is an error naming both, and records nothing", async () => {
  const cwd = await Deno.makeTempDir();
  const out = await cli(
    "train.ts",
    ["model=qwen2_vl_2b", "max_steps=1", "--backend", "wasm", "--out", "run"],
    cwd,
  );
  assertEquals(out.code, 1, out.stderr);
  assertEquals(
    lastLine(out.stderr),
    `error: model=qwen2_vl_2b but the checkpoint ${SHIPPED}config.json is a different model (hidden_size 64 ` +
      "vs 1536, num_hidden_layers 2 vs 28, vocab_size 122 vs 151936, intermediate_size 176 vs 8960, " +
      "num_attention_heads 4 vs 12, vision_config.depth 2 vs 32, vision_config.embed_dim 48 vs 1280; the " +
      "checkpoint's vs qwen2_vl_2b's): drop model= (default auto: the checkpoint's own) or give its checkpoint",
  );
  const written = [];
  for await (const e of Deno.readDir(cwd)) written.push(e.name);
  for (const name of written) {
    for await (const e of Deno.readDir(`${cwd}/${name}`)) written.push(`${name}/${e.name}`);
  }
  assert(!written.some((n) => n.endsWith("run_config.json")), `run_config.json written: ${written}`);
});

Deno.test("train model=gpt5 is an error listing the known models", async () => {
  const cwd = await Deno.makeTempDir();
  const out = await cli("train.ts", ["model=gpt5", "max_steps=1", "--out", "run"], cwd);
  assertEquals(
    [out.code, lastLine(out.stderr)],
    [2, 'error: bad value for "model" (from command line): "gpt5" is not one of auto, tiny, qwen2_vl_2b'],
  );
});
