/**
 * train and eval on a Hugging Face folder, as a user runs them: transformers 5's nested config.json
 * (copied from the folder transformers saved in test/models/qwen2_vl/pretrained/hf_f32, with the real
 * vocabulary and special ids), weights in the model.language_model name scheme, in two shards.
 */
import { assert, assertEquals } from "../../assert.ts";
import { modelToSafetensors, Qwen2VLModel } from "../../../models/mod.ts";
import { configFromJson } from "../../../models/qwen2_vl/configs.ts";
import { readSafetensors, type SafeTensor, writeSafetensors } from "../../../models/safetensors.ts";
import { normalStream } from "../../../core/random.ts";
import { parseConfig } from "../../../core/config/mod.ts";
import { cli } from "./run_cli.ts";

const HF = new URL("../../models/qwen2_vl/pretrained/hf_f32/config.json", import.meta.url);

/** A sharded folder of a tiny random Qwen2-VL with the real 151,936-row vocabulary. */
async function hfFolder(): Promise<string> {
  const nested = JSON.parse(await Deno.readTextFile(HF));
  nested.text_config = {
    ...nested.text_config,
    vocab_size: 151936,
    hidden_size: 16,
    intermediate_size: 32,
    num_attention_heads: 2,
    num_key_value_heads: 1,
    rope_parameters: { ...nested.text_config.rope_parameters, mrope_section: [2, 1, 1], rope_theta: 1e6 },
  };
  nested.vision_config = { ...nested.vision_config, depth: 1, embed_dim: 16, num_heads: 1, hidden_size: 16 };
  Object.assign(nested, {
    image_token_id: 151655,
    video_token_id: 151656,
    vision_start_token_id: 151652,
    vision_end_token_id: 151653,
  });
  const model = Qwen2VLModel.init(configFromJson(nested), normalStream(1));
  const tensors = readSafetensors(await modelToSafetensors(model)).tensors;
  model.dispose();
  const dir = await Deno.makeTempDir({ prefix: "hf-real-vocab-" });
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(nested, null, 2));
  const weightMap: Record<string, string> = {};
  const shards = [new Map<string, SafeTensor>(), new Map<string, SafeTensor>()];
  for (const [name, t] of tensors) {
    const hfName = name.startsWith("visual.")
      ? `model.${name}`
      : name.replace(/^model\./, "model.language_model.");
    const s = name === "model.embed_tokens.weight" ? 0 : 1;
    shards[s].set(hfName, t);
    weightMap[hfName] = `model-0000${s + 1}-of-00002.safetensors`;
  }
  for (const [s, part] of shards.entries()) {
    await Deno.writeFile(`${dir}/model-0000${s + 1}-of-00002.safetensors`, writeSafetensors(part));
  }
  await Deno.writeTextFile(
    `${dir}/model.safetensors.index.json`,
    JSON.stringify({ metadata: {}, weight_map: weightMap }),
  );
  return dir;
}

Deno.test("train model_name_or_path=DIR trains 2 steps on a sharded Hugging Face folder; eval --checkpoint DIR evaluates it", async () => {
  const dir = await hfFolder();
  const cwd = await Deno.makeTempDir();
  const small = [
    "per_device_train_batch_size=2",
    "num_generations=2",
    "max_completion_length=8",
    "--backend",
    "wasm",
  ];
  const train = await cli("train.ts", [
    `model_name_or_path=${dir}`,
    "max_steps=2",
    "beta=0",
    ...small,
    "--out",
    "run",
  ], cwd);
  assertEquals(train.code, 0, train.stderr);
  assert(train.stderr.includes("(2,462,000 parameters), weights from checkpoint"), train.stderr);
  const metrics = (await Deno.readTextFile(`${cwd}/run/metrics.jsonl`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assertEquals(metrics.map((m) => m.step), [1, 2]);
  const config = JSON.parse(await Deno.readTextFile(`${cwd}/run/checkpoint-2/run_config.json`));
  assertEquals(config.model_name_or_path, dir);
  const evaluated = await cli("eval.ts", ["--checkpoint", dir, "--n", "2", ...small, "--out", "eval"], cwd);
  assertEquals(evaluated.code, 0, evaluated.stderr);
  assert(evaluated.stdout.includes(`eval of ${dir}`), evaluated.stdout);
  // The old key is an alias of the new one, and says so.
  const { config: aliased, notes } = parseConfig([{
    source: "run_config.json",
    values: { checkpoint: dir },
  }]);
  assertEquals(aliased.model_name_or_path, dir);
  assertEquals(notes, ['config: "checkpoint" (from run_config.json) is read as model_name_or_path']);
  await Deno.remove(dir, { recursive: true });
});
