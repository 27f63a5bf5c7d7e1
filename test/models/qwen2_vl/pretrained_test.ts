/**
 * loadPretrained() on folders transformers itself saved (pretrained/make_golden.py wrote them and their
 * logits): nested config.json, one F32 file and three BF16 shards. Then folders this test writes from
 * the same weights in the other layouts (flat config.json, the model.language_model name scheme, F16,
 * untied lm_head, sharded differently): each loads and gives the same logits. Loading is streamed: no
 * read holds a whole shard.
 */
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertRejects } from "../../assert.ts";
import {
  flatConfigJson,
  loadPretrained,
  type Pretrained,
  Qwen2VLModel,
  readSafetensors,
  ropeIndex,
  ropeIndexOptions,
  type SafeTensor,
  writeSafetensors,
} from "../../../models/mod.ts";
import { maxAbsDiff } from "./fixtures.ts";

await tf.setBackend("cpu");

const HERE = new URL("./pretrained/", import.meta.url).pathname;
const F32 = `${HERE}hf_f32`;
const BF16 = `${HERE}hf_bf16_sharded`;

interface Golden {
  transformers: string;
  ids: number[];
  grids: [number, number, number][];
  vocab: number;
  logits_f32: number[];
  logits_bf16: number[];
}
const golden: Golden = JSON.parse(await Deno.readTextFile(`${HERE}golden.json`));

/**
 * float32 (ours, on tfjs cpu) against float32 (transformers, torch CPU) with the same weights: the sums
 * are ordered differently, so they agree to rounding, about 1e-6 for logits of magnitude ~1.
 */
const LOGIT_TOL = 2e-5;

/** [T, V] logits of the golden prompt, with the script's pixel values. */
function logitsOf(model: Qwen2VLModel): Float32Array {
  const config = model.config;
  const { positionIds } = ropeIndex([golden.ids], golden.grids, ropeIndexOptions(config));
  const P = golden.grids.reduce((s, [t, h, w]) => s + t * h * w, 0);
  return tf.tidy(() => {
    const patches = tf.tensor2d(
      Float32Array.from({ length: P * 1176 }, (_, j) => 0.5 * Math.sin(j * 0.913 + 0.3)),
      [P, 1176],
    );
    const logits = model.forward({
      inputIds: tf.tensor2d([[...model.toLocalIds(golden.ids)]], undefined, "int32"),
      positionIds: tf.tensor3d(positionIds, undefined, "int32"),
      attentionMask: tf.ones([1, golden.ids.length], "int32") as tf.Tensor2D,
      imageEmbeds: model.encodeImages(patches, golden.grids),
    });
    return logits.dataSync() as Float32Array;
  });
}

async function loaded(dir: string): Promise<Pretrained> {
  return await loadPretrained(dir);
}

Deno.test("loadPretrained() reads transformers' one-file F32 folder (nested config.json) and matches its logits", async () => {
  const p = await loaded(F32);
  try {
    assertEquals(p.files, ["model.safetensors"]);
    assertEquals(p.dtypes, ["F32"]);
    assertEquals(p.nameScheme, "model.layers");
    assertEquals([p.config.vocab_size, p.config.hidden_size, p.config.rope_scaling.mrope_section], [160, 32, [
      2,
      1,
      1,
    ]]);
    const diff = maxAbsDiff(logitsOf(p.model), golden.logits_f32);
    assert(diff < LOGIT_TOL, `logits vs transformers ${golden.transformers}: max abs diff ${diff}`);
    // Streamed: the largest read is one tensor (the patch embedding), not the 390 KB file.
    const size = (await Deno.stat(`${F32}/model.safetensors`)).size;
    assert(p.folder.largestRead < size / 2, `largest read ${p.folder.largestRead} of a ${size}-byte file`);
  } finally {
    p.model.dispose();
  }
});

Deno.test("loadPretrained() reads transformers' BF16 folder in three shards through its index and matches its logits", async () => {
  const p = await loaded(BF16);
  try {
    assertEquals(p.files.length, 3);
    assertEquals(p.dtypes, ["BF16"]);
    const diff = maxAbsDiff(logitsOf(p.model), golden.logits_bf16);
    assert(diff < LOGIT_TOL, `logits vs transformers: max abs diff ${diff}`);
    let largestShard = 0;
    for (const f of p.files) largestShard = Math.max(largestShard, (await Deno.stat(`${BF16}/${f}`)).size);
    assert(
      p.folder.largestRead < largestShard,
      `largest read ${p.folder.largestRead}, largest shard ${largestShard}`,
    );
  } finally {
    p.model.dispose();
  }
});

// ---- Folders written here from the F32 folder's weights, in the other layouts ----

const f32Tensors = readSafetensors(await Deno.readFile(`${F32}/model.safetensors`)).tensors;
const nestedConfig = JSON.parse(await Deno.readTextFile(`${F32}/config.json`));

/** float -> IEEE half bits (round to nearest even); the values here are well inside half's range. */
function toHalf(x: number): number {
  const f = new Float32Array([x]);
  const bits = new Uint32Array(f.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = ((bits >>> 23) & 0xff) - 127 + 15;
  let mant = bits & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant = (mant | 0x800000) >> (1 - exp);
    return sign | ((mant + 0x1000) >> 13);
  }
  const half = sign | (exp << 10) | (mant >> 13);
  const rest = mant & 0x1fff;
  return rest > 0x1000 || (rest === 0x1000 && (half & 1)) ? half + 1 : half;
}

/** F16 safetensors of `tensors` (the format's layout, written by hand: writeSafetensors writes F32). */
function f16Safetensors(tensors: Map<string, SafeTensor>): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: "F16", shape: t.shape, data_offsets: [offset, offset + 2 * t.data.length] };
    offset += 2 * t.data.length;
  }
  const json = new TextEncoder().encode(
    JSON.stringify(header).padEnd(8 * Math.ceil(JSON.stringify(header).length / 8)),
  );
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const t of tensors.values()) for (const x of t.data) view.setUint16((pos += 2) - 2, toHalf(x), true);
  return out;
}

/** The F32 tensors renamed (scheme "model.language_model") and/or with an untied lm_head. */
function variant(opts: { newNames?: boolean; untied?: boolean; round?: (x: Float32Array) => Float32Array }) {
  const out = new Map<string, SafeTensor>();
  for (const [name, t] of f32Tensors) {
    const renamed = !opts.newNames
      ? name
      : name.startsWith("visual.")
      ? `model.${name}`
      : name.replace(/^model\./, "model.language_model.");
    out.set(renamed, { shape: t.shape, data: opts.round ? opts.round(t.data) : t.data });
  }
  if (opts.untied) {
    const embed = out.get(
      opts.newNames ? "model.language_model.embed_tokens.weight" : "model.embed_tokens.weight",
    )!;
    out.set("lm_head.weight", { shape: embed.shape, data: embed.data.slice() });
  }
  return out;
}

/** Writes a folder: config.json (nested as saved, or flat) and the tensors in `shards` files. */
async function writeFolder(
  tensors: Map<string, SafeTensor>,
  opts: {
    flat?: boolean;
    untied?: boolean;
    shards?: number;
    encode?: (t: Map<string, SafeTensor>) => Uint8Array;
  },
): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "pretrained-" });
  const config = { ...nestedConfig, tie_word_embeddings: !opts.untied };
  await Deno.writeTextFile(
    `${dir}/config.json`,
    JSON.stringify(opts.flat ? flatConfigJson(config, "test") : config),
  );
  const encode = opts.encode ?? ((t) => writeSafetensors(t));
  const shards = opts.shards ?? 1;
  if (shards === 1) {
    await Deno.writeFile(`${dir}/model.safetensors`, encode(tensors));
    return dir;
  }
  const names = [...tensors.keys()];
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards; s++) {
    const file = `model-${String(s + 1).padStart(5, "0")}-of-${String(shards).padStart(5, "0")}.safetensors`;
    const part = new Map(names.filter((_, i) => i % shards === s).map((n) => [n, tensors.get(n)!]));
    for (const n of part.keys()) weightMap[n] = file;
    await Deno.writeFile(`${dir}/${file}`, encode(part));
  }
  await Deno.writeTextFile(
    `${dir}/model.safetensors.index.json`,
    JSON.stringify({ metadata: {}, weight_map: weightMap }),
  );
  return dir;
}

Deno.test("loadPretrained(): flat and nested config.json, both name schemes, tied and untied, sharded or not: one model", async () => {
  const reference = logitsOf((await loaded(F32)).model);
  const cases: [string, Promise<string>][] = [
    ["flat config, model.layers names", writeFolder(variant({}), { flat: true })],
    ["nested config, model.language_model names", writeFolder(variant({ newNames: true }), {})],
    [
      "flat config, model.language_model names, 4 shards",
      writeFolder(variant({ newNames: true }), { flat: true, shards: 4 }),
    ],
    ["untied lm_head (a copy of the embedding)", writeFolder(variant({ untied: true }), { untied: true })],
    [
      "untied, model.language_model names, 2 shards",
      writeFolder(variant({ untied: true, newNames: true }), { untied: true, shards: 2 }),
    ],
  ];
  for (const [what, dirPromise] of cases) {
    const dir = await dirPromise;
    const p = await loaded(dir);
    try {
      assertEquals(maxAbsDiff(logitsOf(p.model), reference), 0, what);
      assertEquals(
        p.nameScheme,
        what.includes("language_model") ? "model.language_model" : "model.layers",
        what,
      );
      assertEquals(p.config.tie_word_embeddings, !what.includes("untied"), what);
    } finally {
      p.model.dispose();
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("loadPretrained() converts F16 per tensor: equal to the F32 folder of the same half-rounded values", async () => {
  // The half-rounded values, widened by the reader's own rule (a one-tensor F16 file read back).
  const half = (data: Float32Array) =>
    readSafetensors(f16Safetensors(new Map([["x", { shape: [data.length], data }]]))).tensors.get("x")!.data;
  const f16Dir = await writeFolder(variant({}), { encode: f16Safetensors });
  const roundedDir = await writeFolder(variant({ round: half }), {});
  const [a, b] = [await loaded(f16Dir), await loaded(roundedDir)];
  try {
    assertEquals(a.dtypes, ["F16"]);
    assertEquals(maxAbsDiff(logitsOf(a.model), logitsOf(b.model)), 0);
    // And the rounding is small: half keeps 11 bits, so the logits move by about 1e-3 at most.
    const drift = maxAbsDiff(logitsOf(a.model), golden.logits_f32);
    assert(drift > 0 && drift < 1e-2, `F16 vs F32 logits: ${drift}`);
  } finally {
    a.model.dispose();
    b.model.dispose();
    await Deno.remove(f16Dir, { recursive: true });
    await Deno.remove(roundedDir, { recursive: true });
  }
});

Deno.test("loadPretrained() names the file and the tensor for each thing wrong with a folder", async () => {
  const tensors = variant({});
  const check = async (what: string, make: (dir: string) => Promise<void>, ...expected: string[]) => {
    const dir = await writeFolder(tensors, { shards: 2 });
    await make(dir);
    const e = await assertRejects(() => loadPretrained(dir));
    for (const part of [...expected]) {
      assert((e as Error).message.includes(part.replace("DIR", dir)), `${what}: ${(e as Error).message}`);
    }
    await Deno.remove(dir, { recursive: true });
  };
  const shard1 = "model-00001-of-00002.safetensors";
  const shard2 = "model-00002-of-00002.safetensors";
  await check(
    "a missing shard",
    (d) => Deno.remove(`${d}/${shard2}`),
    `DIR/model.safetensors.index.json: shard ${shard2}`,
    "is missing",
  );
  await check("a tensor in the index but not in its shard", async (d) => {
    const index = JSON.parse(await Deno.readTextFile(`${d}/model.safetensors.index.json`));
    index.weight_map["model.layers.0.mlp.up_proj.weight"] =
      index.weight_map["model.layers.0.mlp.up_proj.weight"] === shard1 ? shard2 : shard1;
    await Deno.writeTextFile(`${d}/model.safetensors.index.json`, JSON.stringify(index));
  }, "tensor model.layers.0.mlp.up_proj.weight is here, but model.safetensors.index.json puts it in");
  await check(
    "a shape that disagrees with config.json",
    async (d) => {
      const config = JSON.parse(await Deno.readTextFile(`${d}/config.json`));
      config.text_config.intermediate_size = 40;
      await Deno.writeTextFile(`${d}/config.json`, JSON.stringify(config));
    },
    "DIR/model-0000",
    "mlp.gate_proj.weight has shape [48,32], but config.json's model needs [40,32]",
  );
  await check(
    "weights for a layer the config does not have",
    async (d) => {
      const config = JSON.parse(await Deno.readTextFile(`${d}/config.json`));
      config.text_config.num_hidden_layers = 1;
      await Deno.writeTextFile(`${d}/config.json`, JSON.stringify(config));
    },
    "tensor model.layers.1.",
    "is not a parameter of the model config.json describes (1 layers",
  );
  await check("an unknown model_type", async (d) => {
    const config = JSON.parse(await Deno.readTextFile(`${d}/config.json`));
    config.model_type = "llava";
    await Deno.writeTextFile(`${d}/config.json`, JSON.stringify(config));
  }, 'DIR/config.json: model_type "llava" is not supported; supported: qwen2_vl');
  await check(
    "a NaN weight",
    async (d) => {
      const file = `${d}/${shard1}`;
      const t = readSafetensors(await Deno.readFile(file)).tensors;
      const [name, first] = [...t][0];
      first.data[3] = NaN;
      await Deno.writeFile(file, writeSafetensors(t));
      assert(name.length > 0);
    },
    `DIR/${shard1}: tensor`,
    "holds NaN at element 3",
  );
  await check("a truncated shard", async (d) => {
    const bytes = await Deno.readFile(`${d}/${shard2}`);
    await Deno.writeFile(`${d}/${shard2}`, bytes.subarray(0, bytes.length - 10));
  }, `DIR/${shard2}: safetensors:`);
  await check("no weights at all", async (d) => {
    await Deno.remove(`${d}/model.safetensors.index.json`);
  }, "holds no model.safetensors and no model.safetensors.index.json");
});
