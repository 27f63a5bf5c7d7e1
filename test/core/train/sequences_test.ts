/**
 * buildSequenceBatch() on a hand-made two-row example (one image prompt, one left-padded text prompt)
 * with every array written out, completionLogprobs() against per-row unpadded forward passes, and
 * completionNll() against sums done by hand.
 */
import * as tf from "@tensorflow/tfjs";
import { assert, assertAllClose, assertAlmostEquals, assertEquals } from "../../assert.ts";
import { initBackend } from "../../../core/backend.ts";
import { buildSequenceBatch, completionLogprobs, completionNll } from "../../../core/train/sequences.ts";
import type { PromptInputs } from "../../../core/text/types.ts";
import { type Qwen2VLModel, ropeIndex, ropeIndexOptions } from "../../../models/qwen2_vl/mod.ts";
import { promptWithImage, randomPatches, tinyModel } from "../../models/qwen2_vl/fixtures.ts";

/** A forward pass over a padded batch vs one row alone: float32 sums in another order. */
const PAD_TOL = 1e-4;

// The fixtures' vocabulary: real 100..129 are local 0..29, then <|vision_start|> 30, <|vision_end|> 31,
// <|image_pad|> 32, <|im_end|> 33.
const IM_END = 151645;
const PAD = 129;

await initBackend({ override: "wasm", log: () => {} });
const patches = tf.tidy(() => randomPatches([[1, 4, 4]], 5));
const patchData = (await patches.data()) as Float32Array;
patches.dispose();

/** Row 0: [100, VS, 4 x IMG, VE, 101] with a [1, 4, 4] grid (16 patches, 4 merged tokens). */
const imagePrompt: PromptInputs = {
  inputIds: promptWithImage([100], 4, [101]),
  patches: patchData,
  patchCount: 16,
  gridThw: [1, 4, 4],
};
/** Row 1: text only, [102, 103]; left-padded by 6 in the batch. */
const textPrompt: PromptInputs = {
  inputIds: [102, 103],
  patches: new Float32Array(0),
  patchCount: 0,
  gridThw: [1, 0, 0],
};
const completions = [[110, 111, IM_END], [112]];

Deno.test("buildSequenceBatch() lays out [pad, prompt, completion, pad] with shifted targets", () => {
  const model = tinyModel(1);
  const b = buildSequenceBatch(model, [imagePrompt, textPrompt], completions, PAD);
  model.dispose();
  // P = 8, C = 3, L = P + C - 1 = 10.
  assertEquals([b.rows, b.prompt.length, b.completionLength], [2, 8, 3]);
  assertEquals(Array.from(b.inputIds), [
    ...[0, 30, 32, 32, 32, 32, 31, 1, 10, 11], // the last completion token (<|im_end|>) is never an input
    ...[29, 29, 29, 29, 29, 29, 2, 3, 12, 29], // pad id 129 is local 29
  ]);
  assertEquals(Array.from(b.attentionMask), [
    ...[1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    ...[0, 0, 0, 0, 0, 0, 1, 1, 1, 0],
  ]);
  assertEquals(Array.from(b.targets), [10, 11, 33, 12, 0, 0]);
  assertEquals(Array.from(b.completionMask), [1, 1, 1, 1, 0, 0]);
  // M-RoPE by hand. Row 0: text 0, 1; the 2x2 merged image at t = 2, (h, w) = 2 + {0,1}x{0,1}; then 4,
  // 5; delta = 6 - 8 = -2, so completion index 8, 9 sit at 6, 7. Row 1: pads 1 (as HF), text 0, 1;
  // delta = 2 - 8 = -6, so index 8, 9 sit at 2, 3.
  const row1 = [1, 1, 1, 1, 1, 1, 0, 1, 2, 3];
  assertEquals(Array.from(b.positionIds), [
    ...[0, 1, 2, 2, 2, 2, 4, 5, 6, 7], // t, row 0
    ...row1,
    ...[0, 1, 2, 2, 3, 3, 4, 5, 6, 7], // h, row 0
    ...row1,
    ...[0, 1, 2, 3, 2, 3, 4, 5, 6, 7], // w, row 0
    ...row1,
  ]);
  assertEquals(b.prompt.ropeDeltas, [-2, -6]);
});

Deno.test("buildSequenceBatch() rejects a completion count that differs from the prompt count", () => {
  const model = tinyModel(1);
  try {
    let message = "";
    try {
      buildSequenceBatch(model, [imagePrompt, textPrompt], [[110]], PAD);
    } catch (e) {
      message = (e as Error).message;
    }
    assertEquals(message, "2 prompts but 1 completions");
  } finally {
    model.dispose();
  }
});

/**
 * log p(completion[j] | prompt, completion[<j]) / T for one row alone: no padding, positions from
 * ropeIndex over the whole unpadded sequence, one forward pass.
 */
async function rowReference(
  model: Qwen2VLModel,
  prompt: PromptInputs,
  completion: number[],
  temperature: number,
): Promise<number[]> {
  const seq = [...prompt.inputIds, ...completion];
  const L = seq.length;
  const grids = prompt.patchCount > 0 ? [prompt.gridThw] : [];
  const { positionIds } = ropeIndex([seq], grids, ropeIndexOptions(model.config));
  const logp = tf.tidy(() => {
    const logits = model.forward({
      inputIds: tf.tensor2d(model.toLocalIds(seq), [1, L], "int32"),
      positionIds: tf.tensor3d(positionIds, [3, 1, L], "int32"),
      attentionMask: tf.ones([1, L], "int32"),
      imageEmbeds: prompt.patchCount > 0
        ? model.encodeImages(tf.tensor2d(prompt.patches, [prompt.patchCount, 1176]), grids)
        : undefined,
    });
    return tf.logSoftmax(logits.div(temperature)).reshape([L, -1]);
  });
  const values = await logp.data();
  const V = logp.shape[1]!;
  logp.dispose();
  const local = model.toLocalIds(completion);
  const P = prompt.inputIds.length;
  return Array.from(local, (id, j) => values[(P - 1 + j) * V + id]);
}

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`completionLogprobs() on ${backend} equals per-row unpadded log-softmax(logits / T) at the targets`, async () => {
    await initBackend({ override: backend, log: () => {} });
    const model = tinyModel(2);
    const before = tf.memory().numTensors;
    const prompts = [imagePrompt, textPrompt];
    const b = buildSequenceBatch(model, prompts, completions, PAD);
    for (const temperature of [1, 0.5]) {
      const out = tf.tidy(() => completionLogprobs(model, b, prompts, [0, 1], temperature));
      assertEquals(out.shape, [2, 3]);
      const got = await out.data();
      out.dispose();
      const expected = [
        await rowReference(model, imagePrompt, completions[0], temperature),
        await rowReference(model, textPrompt, completions[1], temperature),
      ];
      assertAllClose(got.subarray(0, 3), expected[0], PAD_TOL, `T=${temperature} row 0`);
      assertAlmostEquals(got[3], expected[1][0], PAD_TOL, `T=${temperature} row 1`);
      for (const v of got.subarray(0, 4)) assert(v < 0, `log-probability ${v} >= 0`);
    }
    assertEquals(tf.memory().numTensors, before);
    model.dispose();
  });
}

Deno.test("completionNll() is the mean of -logprobs over masked tokens, and 0 on an empty mask", async () => {
  await initBackend({ override: "cpu", log: () => {} });
  const logprobs = tf.tensor2d([[-1, -2, -3], [-4, -5, -6]]);
  const mask = Float32Array.from([1, 1, 0, 1, 0, 0]);
  const nll = completionNll(logprobs, mask);
  // (1 + 2 + 4) / 3: padded entries (-3, -5, -6) do not count.
  assertAlmostEquals((await nll.data())[0], 7 / 3, 1e-6);
  // d nll / d logprobs = -mask / 3.
  const g = tf.grad((x: tf.Tensor) => completionNll(x as tf.Tensor2D, mask))(logprobs);
  assertAllClose(await g.data(), [-1 / 3, -1 / 3, 0, -1 / 3, 0, 0], 1e-7);
  const empty = completionNll(logprobs, new Float32Array(6));
  assertAlmostEquals((await empty.data())[0], 0, 0);
  tf.dispose([logprobs, nll, g, empty]);
});
