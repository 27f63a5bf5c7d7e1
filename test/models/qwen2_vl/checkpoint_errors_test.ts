/**
 * Loading a checkpoint names the file in every error: a damaged safetensors file, a non-finite weight,
 * config.json fields that disagree, and a model=NAME that is another model.
 */
import { assertEquals, assertThrows } from "../../assert.ts";
import {
  checkNamedModel,
  checkpointTensors,
  configFromText,
  MODEL_NAMES,
  modelFromCheckpoint,
  qwen2_vl_2b,
  tiny,
} from "../../../models/qwen2_vl/mod.ts";
import { readSafetensors, writeSafetensors } from "../../../models/safetensors.ts";
import { FIELDS } from "../../../core/config/fields.ts";
import { VOCAB_IDS } from "./fixtures.ts";

const SHIPPED = new URL("../../../public/checkpoints/tiny-sft/", import.meta.url);
const shippedBytes = () => Deno.readFile(new URL("model.safetensors", SHIPPED));
const shippedConfig = () => Deno.readTextFile(new URL("config.json", SHIPPED));
const FILE = "ck/model.safetensors";
const CONFIG = "ck/config.json";

/** The shipped weights with one value of `name` replaced. */
async function damaged(name: string, index: number, value: number): Promise<Uint8Array> {
  const { tensors, metadata } = readSafetensors(await shippedBytes());
  tensors.get(name)!.data[index] = value;
  return writeSafetensors(tensors, metadata);
}

/** The tiny config with some fields changed, as config.json text. */
const configText = (change: Record<string, unknown>) => JSON.stringify({ ...tiny(VOCAB_IDS), ...change });

Deno.test("checkpointTensors() names the file when the header length exceeds the file", async () => {
  const bytes = (await shippedBytes()).subarray(0, 1000);
  assertThrows(
    () => checkpointTensors(bytes, FILE),
    Error,
    `${FILE}: safetensors: header length 5536 exceeds the 992 bytes after it (truncated?)`,
  );
});

Deno.test("checkpointTensors() names the file when the data is cut short", async () => {
  const bytes = await shippedBytes();
  assertThrows(
    () => checkpointTensors(bytes.subarray(0, bytes.length - 4), FILE),
    Error,
    `${FILE}: safetensors: model.norm.weight ends at byte 977664 but the data has 977660 (truncated)`,
  );
});

Deno.test("checkpointTensors() names the first tensor holding NaN and the element", async () => {
  const bytes = await damaged("model.layers.0.mlp.up_proj.weight", 17, NaN);
  assertThrows(
    () => checkpointTensors(bytes, FILE),
    Error,
    `${FILE}: tensor model.layers.0.mlp.up_proj.weight holds NaN at element 17; the checkpoint is damaged`,
  );
});

Deno.test("checkpointTensors() names a tensor holding -Infinity", async () => {
  const bytes = await damaged("model.norm.weight", 0, -Infinity);
  assertThrows(
    () => checkpointTensors(bytes, FILE),
    Error,
    `${FILE}: tensor model.norm.weight holds -Infinity at element 0; the checkpoint is damaged`,
  );
});

Deno.test("checkpointTensors() accepts the shipped checkpoint's finite weights", async () => {
  assertEquals(checkpointTensors(await shippedBytes(), FILE).size, 57);
});

Deno.test("configFromText() names the file when config.json is not JSON", () => {
  assertThrows(() => configFromText('{"hidden_size": 64,', CONFIG), Error, `${CONFIG} is not valid JSON: `);
});

Deno.test("configFromText() names the file and the fields that disagree", () => {
  const cases: [Record<string, unknown>, string][] = [
    [
      { hidden_size: 100, num_attention_heads: 3 },
      "hidden_size 100 is not a multiple of num_attention_heads 3",
    ],
    [
      { num_key_value_heads: 3 },
      "num_attention_heads 4 is not a multiple of num_key_value_heads 3 (grouped-query attention shares " +
      "each kv head among whole groups)",
    ],
    [
      { rope_scaling: { type: "mrope", mrope_section: [2, 2, 2] } },
      "rope_scaling.mrope_section sums to 6, but head_dim / 2 is 8 (head_dim = hidden_size 64 / " +
      "num_attention_heads 4)",
    ],
    [
      { vision_config: { ...tiny(VOCAB_IDS).vision_config, hidden_size: 32 } },
      "vision_config.hidden_size 32 must equal hidden_size 64",
    ],
    [
      { vision_config: { ...tiny(VOCAB_IDS).vision_config, patch_size: 16 } },
      "vision_config.patch_size is 16, but Qwen2-VL's image processor here makes patch_size 14",
    ],
    [
      { vision_config: { ...tiny(VOCAB_IDS).vision_config, num_heads: 8 } },
      "vision_config.embed_dim 48 / num_heads 8 = 6 must be an integer divisible by 4 (2-D rotary over h and w)",
    ],
    [{ num_hidden_layers: "2" }, 'num_hidden_layers must be a positive integer, got "2"'],
    [
      { image_token_id: 7 },
      "image_token_id 7 is not in vocab_ids: the image tokens need rows of their own",
    ],
    [
      { vocab_ids: undefined, vocab_size: 1000 },
      "image_token_id 151655 is not below vocab_size 1000",
    ],
  ];
  for (const [change, message] of cases) {
    assertThrows(() => configFromText(configText(change), CONFIG), Error, `${CONFIG}: ${message}`);
  }
});

Deno.test("configFromText() reads the shipped config.json unchanged", async () => {
  assertEquals(configFromText(await shippedConfig(), CONFIG).hidden_size, 64);
});

Deno.test("checkNamedModel() names both models when model=NAME is not the checkpoint's", () => {
  assertThrows(
    () => checkNamedModel("qwen2_vl_2b", tiny(VOCAB_IDS), CONFIG, VOCAB_IDS),
    Error,
    `model=qwen2_vl_2b but the checkpoint ${CONFIG} is a different model (hidden_size 64 vs 1536, ` +
      "num_hidden_layers 2 vs 28, vocab_size 34 vs 151936, intermediate_size 176 vs 8960, num_attention_heads " +
      "4 vs 12, vision_config.depth 2 vs 32, vision_config.embed_dim 48 vs 1280; the checkpoint's vs " +
      "qwen2_vl_2b's): drop model= (default auto: the checkpoint's own) or give its checkpoint",
  );
  assertThrows(
    () => checkNamedModel("tiny", tiny(VOCAB_IDS), CONFIG, VOCAB_IDS.slice(1)),
    Error,
    `model=tiny but the checkpoint ${CONFIG} is a different model (vocab_size 34 vs 33; `,
  );
});

Deno.test("checkNamedModel() accepts auto and a matching name, and lists the names for another", () => {
  checkNamedModel("auto", qwen2_vl_2b(), CONFIG, VOCAB_IDS);
  checkNamedModel("tiny", tiny(VOCAB_IDS), CONFIG, VOCAB_IDS);
  checkNamedModel("qwen2_vl_2b", qwen2_vl_2b(), CONFIG, []);
  assertThrows(
    () => checkNamedModel("gpt5", tiny(VOCAB_IDS), CONFIG, VOCAB_IDS),
    Error,
    "model=gpt5 is not one of auto, tiny, qwen2_vl_2b",
  );
});

Deno.test("MODEL_NAMES equals the model field's enum in the config table", () => {
  assertEquals(FIELDS.model.values, MODEL_NAMES);
});

Deno.test("modelFromCheckpoint() names the files given as its source, or says which checkpoint", async () => {
  const files = {
    configJson: await shippedConfig(),
    safetensors: await damaged("model.norm.weight", 3, NaN),
  };
  const nan = "tensor model.norm.weight holds NaN at element 3; the checkpoint is damaged";
  assertThrows(() => modelFromCheckpoint(files, "resumed"), Error, `resumed model.safetensors: ${nan}`);
  const source = { configJson: CONFIG, safetensors: FILE };
  assertThrows(() => modelFromCheckpoint({ ...files, source }), Error, `${FILE}: ${nan}`);
  assertThrows(
    () => modelFromCheckpoint({ ...files, configJson: "{", source }),
    Error,
    `${CONFIG} is not valid JSON: `,
  );
  assertThrows(
    () => modelFromCheckpoint({ ...files, source }, "checkpoint", "qwen2_vl_2b"),
    Error,
    `model=qwen2_vl_2b but the checkpoint ${CONFIG} is a different model (hidden_size 64 vs 1536, `,
  );
});
