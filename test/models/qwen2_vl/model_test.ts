import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertThrows } from "../../assert.ts";
import {
  decodePositionIds,
  type Grid,
  type Qwen2VLModel,
  ropeIndex,
  ropeIndexOptions,
} from "../../../models/qwen2_vl/mod.ts";
import { maxAbsDiff, promptWithImage, randomPatches, tinyModel } from "./fixtures.ts";

await tf.setBackend("cpu");

/** Tolerance of cached vs uncached logits on the cpu backend (float32; only summation order differs). */
const CACHE_TOL = 1e-5;

interface Batch {
  ids: number[][]; // real ids, left padded with id 100 (masked)
  mask: number[][];
  grids: Grid[];
}

/** Left-pads rows of real ids to one length. */
function leftPad(rows: number[][], grids: Grid[]): Batch {
  const T = Math.max(...rows.map((r) => r.length));
  return {
    ids: rows.map((r) => [...new Array<number>(T - r.length).fill(100), ...r]),
    mask: rows.map((r) => [...new Array<number>(T - r.length).fill(0), ...r.map(() => 1)]),
    grids,
  };
}

/** Full (uncached) logits [B, T, V] of a batch, as a flat array. */
async function fullLogits(model: Qwen2VLModel, b: Batch, patchSeed: number): Promise<Float32Array> {
  const { positionIds } = ropeIndex(b.ids, b.grids, ropeIndexOptions(model.config), b.mask);
  const logits = tf.tidy(() =>
    model.forward({
      inputIds: tf.tensor2d(b.ids.map((r) => [...model.toLocalIds(r)]), undefined, "int32"),
      positionIds: tf.tensor3d(positionIds, undefined, "int32"),
      attentionMask: tf.tensor2d(b.mask, undefined, "int32"),
      imageEmbeds: b.grids.length
        ? model.encodeImages(randomPatches(b.grids, patchSeed), b.grids)
        : undefined,
    })
  );
  const out = (await logits.data()) as Float32Array;
  logits.dispose();
  return out;
}

/**
 * Prefills the prompt (all but the last n columns) with a cache, then feeds the last n tokens one at a
 * time. Returns the logits of those n steps, [n][B][V].
 */
async function cachedLogits(
  model: Qwen2VLModel,
  b: Batch,
  n: number,
  patchSeed: number,
): Promise<Float32Array[]> {
  const T0 = b.ids[0].length - n;
  const prompt = b.ids.map((r) => r.slice(0, T0));
  const mask = b.mask.map((r) => r.slice(0, T0));
  const { positionIds, ropeDeltas } = ropeIndex(prompt, b.grids, ropeIndexOptions(model.config), mask);
  const cache = model.createCache();
  const outs: Float32Array[] = [];
  tf.tidy(() => {
    model.forward({
      inputIds: tf.tensor2d(prompt.map((r) => [...model.toLocalIds(r)]), undefined, "int32"),
      positionIds: tf.tensor3d(positionIds, undefined, "int32"),
      attentionMask: tf.tensor2d(mask, undefined, "int32"),
      imageEmbeds: b.grids.length
        ? model.encodeImages(randomPatches(b.grids, patchSeed), b.grids)
        : undefined,
      cache,
    });
  });
  for (let s = 0; s < n; s++) {
    const logits = tf.tidy(() =>
      model.forward({
        inputIds: tf.tensor2d(b.ids.map((r) => [...model.toLocalIds([r[T0 + s]])]), undefined, "int32"),
        positionIds: tf.tensor3d(decodePositionIds(cache.length, ropeDeltas), undefined, "int32"),
        attentionMask: tf.tensor2d(b.mask.map((r) => r.slice(0, T0 + s + 1)), undefined, "int32"),
        cache,
      })
    );
    outs.push((await logits.data()) as Float32Array);
    logits.dispose();
  }
  assertEquals(cache.length, T0 + n);
  cache.dispose();
  return outs;
}

/** Logits of row b, column t of a flat [B, T, V] array. */
function at(flat: Float32Array, B: number, T: number, b: number, t: number): Float32Array {
  const V = flat.length / (B * T);
  return flat.subarray((b * T + t) * V, (b * T + t + 1) * V);
}

Deno.test("forward() gives the same logits with the KV cache as without when decoding 5 tokens", async () => {
  const model = tinyModel();
  const b = leftPad([promptWithImage([100, 101], 4, [102, 103, 104, 105, 106, 107, 108])], [[1, 4, 4]]);
  const T = b.ids[0].length;
  const full = await fullLogits(model, b, 7);
  const steps = await cachedLogits(model, b, 5, 7);
  for (let s = 0; s < 5; s++) {
    const diff = maxAbsDiff(steps[s], at(full, 1, T, 0, T - 5 + s));
    assert(diff < CACHE_TOL, `step ${s}: max abs diff ${diff}`);
  }
  model.dispose();
});

Deno.test("forward() with left padding in a batch of 2 matches each row alone, cached and uncached", async () => {
  const model = tinyModel(2);
  const row0 = promptWithImage([100, 101, 102], 4, [103, 104, 105, 106, 107, 108]);
  const row1 = promptWithImage([110], 4, [111, 112, 113, 114, 115]);
  const grids: Grid[] = [[1, 4, 4], [1, 4, 4]];
  const batch = leftPad([row0, row1], grids);
  const T = batch.ids[0].length, pad1 = row0.length - row1.length;
  const full = await fullLogits(model, batch, 11);
  // Row 1 alone: its image is the second grid, i.e. the last 16 patch rows of the same seeded patches.
  const patches = randomPatches(grids, 11);
  const alone1 = tf.tidy(() => {
    const embeds = model.encodeImages(patches.slice([16, 0], [16, 1176]), [[1, 4, 4]]);
    const { positionIds } = ropeIndex([row1], [[1, 4, 4]], ropeIndexOptions(model.config));
    return model.forward({
      inputIds: tf.tensor2d([[...model.toLocalIds(row1)]], undefined, "int32"),
      positionIds: tf.tensor3d(positionIds, undefined, "int32"),
      attentionMask: tf.ones([1, row1.length], "int32"),
      imageEmbeds: embeds,
    });
  });
  const alone = (await alone1.data()) as Float32Array;
  tf.dispose([alone1, patches]);
  for (let t = 0; t < row1.length; t++) {
    const diff = maxAbsDiff(at(full, 2, T, 1, pad1 + t), at(alone, 1, row1.length, 0, t));
    assert(diff < CACHE_TOL, `row 1 token ${t}: max abs diff ${diff}`);
  }
  const steps = await cachedLogits(model, batch, 5, 11);
  for (let s = 0; s < 5; s++) {
    const V = model.config.vocab_size;
    for (let r = 0; r < 2; r++) {
      const diff = maxAbsDiff(steps[s].subarray(r * V, (r + 1) * V), at(full, 2, T, r, T - 5 + s));
      assert(diff < CACHE_TOL, `step ${s} row ${r}: max abs diff ${diff}`);
    }
  }
  model.dispose();
});

Deno.test("forward() leaks no tensors in tf.tidy and in a cached decode loop", async () => {
  const model = tinyModel();
  const b = leftPad([promptWithImage([100], 4, [101, 102, 103])], [[1, 4, 4]]);
  const before = tf.memory().numTensors;
  await fullLogits(model, b, 3);
  assertEquals(tf.memory().numTensors, before);
  await cachedLogits(model, b, 3, 3);
  assertEquals(tf.memory().numTensors, before);
  // Outside tidy, only the returned logits remain.
  const ids = tf.tensor2d([[0, 1]], undefined, "int32");
  const pos = tf.tensor3d([[[0, 1]], [[0, 1]], [[0, 1]]], undefined, "int32");
  const mask = tf.ones([1, 2], "int32") as tf.Tensor2D;
  const mid = tf.memory().numTensors;
  const logits = model.forward({ inputIds: ids, positionIds: pos, attentionMask: mask });
  assertEquals(tf.memory().numTensors, mid + 1);
  tf.dispose([logits, ids, pos, mask]);
  model.dispose();
});

Deno.test("forward() throws when image tokens and imageEmbeds rows disagree", () => {
  const model = tinyModel();
  const ids = promptWithImage([100], 4, [101]);
  tf.tidy(() => {
    const { positionIds } = ropeIndex([ids], [[1, 4, 4]], ropeIndexOptions(model.config));
    const input = {
      inputIds: tf.tensor2d([[...model.toLocalIds(ids)]], undefined, "int32"),
      positionIds: tf.tensor3d(positionIds, undefined, "int32"),
      attentionMask: tf.ones([1, ids.length], "int32") as tf.Tensor2D,
    };
    assertThrows(
      () => model.forward({ ...input, imageEmbeds: tf.zeros([3, 64]) as tf.Tensor2D }),
      Error,
      "inputIds hold 4 image tokens but imageEmbeds has 3 rows",
    );
    assertThrows(
      () => model.forward({ ...input, attentionMask: tf.ones([1, 3]) }),
      Error,
      "attentionMask is [1,3]",
    );
  });
  model.dispose();
});

Deno.test("toLocalIds() maps through vocab_ids and names an unknown id", () => {
  const model = tinyModel();
  assertEquals([...model.toLocalIds([100, 151655, 151645])], [0, 32, 33]);
  assertEquals([...model.toRealIds([0, 32, 33])], [100, 151655, 151645]);
  assertThrows(() => model.toLocalIds([100, 99999]), Error, "token id 99999");
  model.dispose();
});

Deno.test("encodeImages() gives [P/4, hidden] and keeps images independent", async () => {
  const model = tinyModel();
  const grids: Grid[] = [[1, 4, 4], [1, 2, 4]];
  const patches = randomPatches(grids, 5);
  const both = model.encodeImages(patches, grids);
  assertEquals(both.shape, [6, 64]);
  const second = model.encodeImages(patches.slice([16, 0], [8, 1176]), [[1, 2, 4]]);
  const diff = maxAbsDiff((await both.data()).subarray(4 * 64), await second.data());
  assert(diff < 1e-5, `max abs diff ${diff}`);
  assertThrows(() => model.encodeImages(patches, [[1, 4, 4]]), Error, "24 patch rows");
  tf.dispose([patches, both, second]);
  model.dispose();
});

Deno.test("forward({headFrom}) gives exactly the full forward's logits from that position on, and only those", async () => {
  const model = tinyModel();
  const b = leftPad(
    [promptWithImage([100, 101], 4, [102, 103, 104]), promptWithImage([100], 4, [105, 106])],
    [
      [1, 4, 4],
      [1, 4, 4],
    ],
  );
  const [B, T] = [b.ids.length, b.ids[0].length];
  const V = model.config.vocab_size;
  const full = await fullLogits(model, b, 5);
  const { positionIds } = ropeIndex(b.ids, b.grids, ropeIndexOptions(model.config), b.mask);
  for (const from of [T - 1, T - 3, 1]) {
    const part = tf.tidy(() =>
      model.forward({
        inputIds: tf.tensor2d(b.ids.map((r) => [...model.toLocalIds(r)]), undefined, "int32"),
        positionIds: tf.tensor3d(positionIds, undefined, "int32"),
        attentionMask: tf.tensor2d(b.mask, undefined, "int32"),
        imageEmbeds: model.encodeImages(randomPatches(b.grids, 5), b.grids),
        headFrom: from,
      })
    );
    assertEquals(part.shape, [B, T - from, V]);
    const got = (await part.data()) as Float32Array;
    part.dispose();
    for (let r = 0; r < B; r++) {
      const want = full.subarray((r * T + from) * V, (r + 1) * T * V);
      assertEquals(got.subarray(r * (T - from) * V, (r + 1) * (T - from) * V), want, `row ${r} from ${from}`);
    }
  }
  assertThrows(
    () =>
      model.forward({
        inputIds: tf.zeros([1, 3], "int32") as tf.Tensor2D,
        positionIds: tf.zeros([3, 1, 3], "int32") as tf.Tensor3D,
        attentionMask: tf.ones([1, 3], "int32") as tf.Tensor2D,
        headFrom: 3,
      }),
    Error,
    "forward: headFrom 3 must be an integer in [0, 3)",
  );
  model.dispose();
});

Deno.test("copy() has the same weights, and keeps them when the original's variables are assigned", async () => {
  const model = tinyModel();
  const copy = model.copy();
  const name = "model.layers.0.mlp.up_proj.weight";
  const before = await model.params.get(name)!.data();
  assertEquals(await copy.params.get(name)!.data(), before);
  assert(copy.params.get(name) !== model.params.get(name), "a variable of its own");
  model.params.get(name)!.assign(tf.zerosLike(model.params.get(name)!));
  assertEquals(await copy.params.get(name)!.data(), before);
  model.dispose();
  assertEquals(await copy.params.get(name)!.data(), before);
  copy.dispose();
});
