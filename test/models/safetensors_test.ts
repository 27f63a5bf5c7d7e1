import { normalStream } from "../../core/random.ts";
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertThrows } from "../assert.ts";
import { halfToFloat, readSafetensors, writeSafetensors } from "../../models/safetensors.ts";
import {
  modelFromSafetensors,
  modelToSafetensors,
  parameterShapes,
  Qwen2VLModel,
  tiny,
} from "../../models/qwen2_vl/mod.ts";
import { VOCAB_IDS } from "./qwen2_vl/fixtures.ts";

await tf.setBackend("cpu");

/** A safetensors file built by hand: header JSON, then the given raw little-endian bytes. */
function handMade(header: Record<string, unknown>, data: number[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

Deno.test("writeSafetensors() then readSafetensors() round-trips F32 bit-exactly with metadata", () => {
  const odd = new Float32Array([1.5, -0, Number.MIN_VALUE, 3.4028234663852886e38, -1 / 3, NaN]);
  const tensors = new Map([
    ["a.weight", { shape: [2, 3], data: odd }],
    ["b", { shape: [1], data: new Float32Array([7]) }],
  ]);
  const bytes = writeSafetensors(tensors, { format: "pt" });
  const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assertEquals(headerLen % 8, 0);
  const back = readSafetensors(bytes);
  assertEquals(back.metadata, { format: "pt" });
  assertEquals([...back.tensors.keys()], ["a.weight", "b"]);
  assertEquals(back.tensors.get("a.weight")!.shape, [2, 3]);
  assertEquals(new Uint32Array(back.tensors.get("a.weight")!.data.buffer), new Uint32Array(odd.buffer));
  assertEquals([...back.tensors.get("b")!.data], [7]);
});

Deno.test("readSafetensors() decodes F16 and BF16 little-endian values", () => {
  // F16: 0x3C00 = 1, 0xC000 = -2, 0x3555 = 0.333251953125, 0x0001 = 2^-24, 0x7C00 = Infinity.
  // BF16: 0x3F80 = 1, 0xC040 = -3, 0x4049 = 3.140625.
  const bytes = handMade({
    h: { dtype: "F16", shape: [5], data_offsets: [0, 10] },
    b: { dtype: "BF16", shape: [3], data_offsets: [10, 16] },
  }, [0x00, 0x3c, 0x00, 0xc0, 0x55, 0x35, 0x01, 0x00, 0x00, 0x7c, 0x80, 0x3f, 0x40, 0xc0, 0x49, 0x40]);
  const { tensors } = readSafetensors(bytes);
  assertEquals([...tensors.get("h")!.data], [1, -2, 0.333251953125, 2 ** -24, Infinity]);
  assertEquals([...tensors.get("b")!.data], [1, -3, 3.140625]);
  assertEquals(halfToFloat(0x8000), -0);
  assert(Number.isNaN(halfToFloat(0x7e00)));
});

Deno.test("readSafetensors() throws on truncated or malformed input", () => {
  const good = writeSafetensors(new Map([["w", { shape: [4], data: new Float32Array(4) }]]));
  assertThrows(() => readSafetensors(good.subarray(0, 5)), Error, "too short");
  assertThrows(() => readSafetensors(good.subarray(0, 20)), Error, "exceeds");
  assertThrows(() => readSafetensors(good.subarray(0, good.length - 1)), Error, "truncated");
  assertThrows(() => readSafetensors(handMade({}, []).fill(0x7b, 8)), Error, "not valid JSON");
  assertThrows(
    () =>
      readSafetensors(
        handMade({ w: { dtype: "I64", shape: [1], data_offsets: [0, 8] } }, new Array(8).fill(0)),
      ),
    Error,
    "only F32, F16 and BF16",
  );
  assertThrows(
    () => readSafetensors(handMade({ w: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }, [0, 0, 0, 0])),
    Error,
    "do not hold 2 F32 values",
  );
});

Deno.test("modelToSafetensors() then modelFromSafetensors() restores every parameter exactly", async () => {
  const config = tiny(VOCAB_IDS);
  const model = Qwen2VLModel.init(config, normalStream(5));
  const bytes = await modelToSafetensors(model, { step: "3" });
  assertEquals(readSafetensors(bytes).metadata, { format: "pt", step: "3" });
  const back = modelFromSafetensors(config, bytes);
  assertEquals([...back.params.keys()], [...parameterShapes(config).keys()]);
  for (const [name, v] of model.params) {
    assertEquals(await back.params.get(name)!.data(), await v.data(), name);
  }
  model.dispose();
  back.dispose();
});

Deno.test("fromTensors() names the parameter with a wrong shape, a missing one and an unexpected one", () => {
  const config = tiny(VOCAB_IDS);
  const arrays = new Map(
    [...parameterShapes(config)].map((
      [n, s],
    ) => [n, { shape: s, data: new Float32Array(s.reduce((a, b) => a * b, 1)) }]),
  );
  const before = tf.memory().numTensors;
  const bad = new Map(arrays);
  bad.set("model.layers.1.self_attn.k_proj.bias", { shape: [31], data: new Float32Array(31) });
  assertThrows(
    () => Qwen2VLModel.fromTensors(config, bad),
    Error,
    "model.layers.1.self_attn.k_proj.bias has shape [31], expected [32]",
  );
  assertEquals(tf.memory().numTensors, before);
  const missing = new Map(arrays);
  missing.delete("model.norm.weight");
  assertThrows(() => Qwen2VLModel.fromTensors(config, missing), Error, "model.norm.weight [64] is missing");
  const extra = new Map(arrays);
  extra.set("lm_head.weight", { shape: [34, 64], data: new Float32Array(34 * 64) });
  assertThrows(() => Qwen2VLModel.fromTensors(config, extra), Error, "unexpected parameter lm_head.weight");
});

/** A safetensors file from a header object and raw data, as a hostile or broken writer might make it. */
function rawFile(headerJson: string, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(headerJson);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (shape: number[], begin: number, end: number) =>
  JSON.stringify({ dtype: "F32", shape, data_offsets: [begin, end] });

Deno.test("readSafetensors() refuses overlapping offsets, naming the tensor", () => {
  const bytes = rawFile(`{"a": ${f32([2], 0, 8)}, "b": ${f32([2], 4, 12)}}`, new Uint8Array(12));
  assertThrows(
    () => readSafetensors(bytes),
    Error,
    "safetensors: b offsets [4, 12] overlap the tensor before it",
  );
});

Deno.test("readSafetensors() refuses a gap between tensors and data that no tensor covers", () => {
  const gap = rawFile(`{"a": ${f32([1], 0, 4)}, "b": ${f32([1], 8, 12)}}`, new Uint8Array(12));
  assertThrows(() => readSafetensors(gap), Error, "bytes [4, 8) before b belong to no tensor");
  const tail = rawFile(`{"a": ${f32([1], 0, 4)}}`, new Uint8Array(8));
  assertThrows(() => readSafetensors(tail), Error, "the tensors cover 4 bytes but the data holds 8");
});

Deno.test("readSafetensors() refuses a tensor named twice instead of keeping the last copy", () => {
  const bytes = rawFile(`{"a": ${f32([1], 0, 4)}, "a": ${f32([1], 4, 8)}}`, new Uint8Array(8));
  assertThrows(() => readSafetensors(bytes), Error, "safetensors: tensor a is named twice in the header");
});

Deno.test("readSafetensors() refuses __metadata__ values that are not strings", () => {
  const bytes = rawFile(`{"__metadata__": {"step": 3}, "a": ${f32([1], 0, 4)}}`, new Uint8Array(4));
  assertThrows(() => readSafetensors(bytes), Error, "__metadata__.step is 3, not a string");
  const nested = rawFile(`{"__metadata__": {"k": "v", "a": "x"}, "a": ${f32([1], 0, 4)}}`, new Uint8Array(4));
  assertEquals(
    readSafetensors(nested).metadata,
    { k: "v", a: "x" },
    "a nested key is not a duplicate tensor",
  );
});
