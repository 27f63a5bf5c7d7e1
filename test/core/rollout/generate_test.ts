/**
 * generate() on the tiny model (fresh init, fixed seed) with real prompts from two tasks (different
 * prompt lengths, so one row is left-padded), checked against independent computations: full forward
 * passes + argmax per prompt without padding or cache, and the teacher-forced log-probabilities that
 * training recomputes.
 */
import * as tf from "@tensorflow/tfjs";
import { assert, assertAllClose, assertEquals, assertNotEquals } from "../../assert.ts";
import { initBackend } from "../../../core/backend.ts";
import { Rng } from "../../../core/random.ts";
import { generate, type GenerateRequest, type Rollout } from "../../../core/rollout/generate.ts";
import type { SamplingOptions } from "../../../core/rollout/sampling.ts";
import { buildSequenceBatch, completionLogprobs } from "../../../core/train/sequences.ts";
import type { PromptInputs } from "../../../core/text/types.ts";
import { type Qwen2VLModel, ropeIndex, ropeIndexOptions } from "../../../models/qwen2_vl/mod.ts";
import { loadLab, taskPrompts, tinyLabModel } from "../../helpers/tiny_lab.ts";

await initBackend({ override: "wasm", log: () => {} });
const { text, vocab } = await loadLab();
const model = await tinyLabModel(3);
/** count and grounding prompts: 21 and 23 tokens with 4 image tokens each at image size 56. */
const prompts = await taskPrompts(["count", "grounding"], 0);

/** Cached and uncached decoding run the same float32 kernels over differently shaped inputs. */
const CACHE_TOL = 1e-5;
/** Teacher forcing recomputes every logit in one pass; float32 sums in another order. */
const TEACHER_TOL = 1e-4;

const SAMPLING: SamplingOptions = { temperature: 0.7, top_p: 1, top_k: 0, min_p: 0, repetition_penalty: 1 };
/** Stop tokens: <|im_end|> and a slice of the vocabulary, so that some rows stop and some run out. */
const STOP_IDS = [text.ids.imEnd, ...vocab.slice(0, 10)];

function request(overrides: Partial<GenerateRequest> = {}): GenerateRequest {
  return {
    prompts,
    numGenerations: 2,
    sampling: SAMPLING,
    maxCompletionLength: 10,
    stopIds: STOP_IDS,
    padId: text.ids.pad,
    rng: new Rng(11),
    ...overrides,
  };
}

/**
 * Greedy decoding of one prompt the slow way: no padding, no cache, position ids from ropeIndex over
 * the whole sequence, one full forward pass per new token. With `penalty` != 1 the CTRL repetition
 * penalty (logit / p if > 0, else logit * p) is applied to every id already in the sequence before the
 * argmax. Returns real ids and the unpenalised log-softmax at each.
 */
async function greedyReference(
  m: Qwen2VLModel,
  prompt: PromptInputs,
  maxLength: number,
  stopIds: readonly number[],
  penalty = 1,
): Promise<{ ids: number[]; logprobs: number[] }> {
  const seq = [...prompt.inputIds];
  const imageLocal = m.toLocalIds([m.config.image_token_id])[0];
  const ids: number[] = [];
  const logprobs: number[] = [];
  for (let t = 0; t < maxLength; t++) {
    const L = seq.length;
    const { positionIds } = ropeIndex([seq], [prompt.gridThw], ropeIndexOptions(m.config));
    const [logitsT, logpT] = tf.tidy(() => {
      const logits = m.forward({
        inputIds: tf.tensor2d(m.toLocalIds(seq), [1, L], "int32"),
        positionIds: tf.tensor3d(positionIds, [3, 1, L], "int32"),
        attentionMask: tf.ones([1, L], "int32"),
        imageEmbeds: m.encodeImages(
          tf.tensor2d(prompt.patches, [prompt.patchCount, prompt.patches.length / prompt.patchCount]),
          [prompt.gridThw],
        ),
      });
      const last = logits.slice([0, L - 1, 0], [1, 1, -1]).reshape([-1]);
      return [last, tf.logSoftmax(last)];
    });
    const row = Array.from(await logitsT.data());
    const logp = await logpT.data();
    tf.dispose([logitsT, logpT]);
    for (const id of new Set(m.toLocalIds(seq))) {
      row[id] = row[id] > 0 ? row[id] / penalty : row[id] * penalty;
    }
    // generate() never draws <|image_pad|> (it would need image features), so neither does greedy here.
    let best = -1;
    for (let i = 0; i < row.length; i++) if (i !== imageLocal && (best < 0 || row[i] > row[best])) best = i;
    const real = m.toRealIds([best])[0];
    seq.push(real);
    ids.push(real);
    logprobs.push(logp[best]);
    if (stopIds.includes(real)) break;
  }
  return { ids, logprobs };
}

/** The rollout's [N, C] logprobs as one array per row, cut at each row's length. */
function rowLogprobs(r: Rollout): number[][] {
  return r.completionIds.map((ids, i) =>
    Array.from(r.logprobs.subarray(i * r.completionLength, i * r.completionLength + ids.length))
  );
}

Deno.test("generate() with top_k=1 gives the tokens of per-prompt full forward passes + argmax", async () => {
  const maxLength = 8;
  // Plain greedy, and greedy under a repetition penalty (with tied embeddings the fresh model mostly predicts its last token again).
  for (const repetition_penalty of [1, 100]) {
    const expected = await Promise.all(
      prompts.map((p) => greedyReference(model, p, maxLength, STOP_IDS, repetition_penalty)),
    );
    for (const useCache of [true, false]) {
      const out = await generate(
        model,
        request({
          sampling: { ...SAMPLING, temperature: 1, top_k: 1, repetition_penalty },
          maxCompletionLength: maxLength,
          useCache,
        }),
      );
      const label = `penalty ${repetition_penalty} useCache=${useCache}`;
      // Rows 0, 1 answer prompt 0 (21 tokens, left-padded by 2 in the batch); rows 2, 3 prompt 1.
      assertEquals(
        out.completionIds,
        [expected[0].ids, expected[0].ids, expected[1].ids, expected[1].ids],
        label,
      );
      const lp = rowLogprobs(out);
      for (let r = 0; r < 4; r++) {
        assertAllClose(lp[r], expected[Math.floor(r / 2)].logprobs, TEACHER_TOL, `${label} row ${r}`);
      }
    }
    if (repetition_penalty !== 1) {
      // Not trivially constant: the penalised greedy walks through several distinct tokens.
      const distinct = new Set(expected.flatMap((e) => e.ids)).size;
      assert(distinct > 4, `${distinct} distinct tokens: ${JSON.stringify(expected)}`);
    }
  }
});

Deno.test("generate() gives the same tokens and logprobs with and without the KV cache", async () => {
  const cached = await generate(model, request({ useCache: true }));
  const uncached = await generate(model, request({ useCache: false }));
  assertEquals(cached.completionIds, uncached.completionIds);
  assertEquals(cached.completionLength, uncached.completionLength);
  assertEquals(Array.from(cached.mask), Array.from(uncached.mask));
  assertAllClose(cached.logprobs, uncached.logprobs, CACHE_TOL);
});

Deno.test("generate() repeats its tokens for the same seed and changes them for another seed", async () => {
  const a = await generate(model, request({ rng: new Rng(11) }));
  const b = await generate(model, request({ rng: new Rng(11) }));
  const c = await generate(model, request({ rng: new Rng(12) }));
  assertEquals(a.completionIds, b.completionIds);
  assertEquals(Array.from(a.logprobs), Array.from(b.logprobs));
  assertNotEquals(a.completionIds, c.completionIds);
  // With temperature 0.7 on a fresh model the two generations of one prompt differ too.
  assertNotEquals(a.completionIds[0], a.completionIds[1]);
});

Deno.test("generate() returns B*G rows in prompt order, masks = lengths, truncated = no stop token", async () => {
  const maxCompletionLength = 10;
  const out = await generate(model, request({ numGenerations: 3, maxCompletionLength }));
  assertEquals(out.rows, 6);
  assertEquals(Array.from(out.promptIndex), [0, 0, 0, 1, 1, 1]);
  assertEquals(out.completionIds.length, 6);
  const lengths = out.completionIds.map((ids) => ids.length);
  assertEquals(out.completionLength, Math.max(...lengths));
  assertEquals(out.logprobs.length, 6 * out.completionLength);
  assertEquals(out.mask.length, 6 * out.completionLength);
  assertEquals(out.generatedTokens, lengths.reduce((s, n) => s + n, 0));
  const C = out.completionLength;
  for (let r = 0; r < 6; r++) {
    const ids = out.completionIds[r];
    const mask = Array.from(out.mask.subarray(r * C, (r + 1) * C));
    assertEquals(mask, [...new Array(ids.length).fill(1), ...new Array(C - ids.length).fill(0)], `row ${r}`);
    assert(ids.length >= 1 && ids.length <= maxCompletionLength, `row ${r} length ${ids.length}`);
    const stopped = STOP_IDS.includes(ids[ids.length - 1]);
    assertEquals(out.truncated[r], !stopped, `row ${r}: ${ids}`);
    // A stop token only ever ends a row; a row without one ran to the limit.
    assert(ids.slice(0, -1).every((id) => !STOP_IDS.includes(id)), `row ${r}: ${ids}`);
    if (!stopped) assertEquals(ids.length, maxCompletionLength);
    // Logprobs are log-probabilities on the mask and exactly 0 past it.
    for (let j = 0; j < C; j++) {
      const v = out.logprobs[r * C + j];
      assert(j < ids.length ? v < 0 && Number.isFinite(v) : v === 0, `row ${r} logprob ${j} = ${v}`);
    }
  }
  // This seed exercises both ends: some rows stop early, some are truncated.
  assert(out.truncated.includes(true) && out.truncated.includes(false), JSON.stringify(out.truncated));
});

Deno.test("generate() logprobs equal completionLogprobs() recomputed by teacher forcing at temperature T", async () => {
  for (const temperature of [0.7, 1.3]) {
    const out = await generate(model, request({ sampling: { ...SAMPLING, temperature } }));
    const seq = buildSequenceBatch(
      model,
      Array.from(out.promptIndex, (b) => prompts[b]),
      out.completionIds,
      text.ids.pad,
    );
    assertEquals(seq.completionLength, out.completionLength);
    assertEquals(Array.from(seq.completionMask), Array.from(out.mask));
    const forced = tf.tidy(() => completionLogprobs(model, seq, prompts, out.promptIndex, temperature));
    const values = await forced.data();
    forced.dispose();
    const masked = (xs: ArrayLike<number>) => Array.from(xs, (v, i) => (out.mask[i] ? v : 0));
    assertAllClose(masked(values), out.logprobs, TEACHER_TOL, `T=${temperature}`);
    // The temperature matters: the same tokens at T=1 have other log-probabilities.
    if (temperature !== 1) {
      const plain = tf.tidy(() => completionLogprobs(model, seq, prompts, out.promptIndex, 1));
      const at1 = await plain.data();
      plain.dispose();
      const gap = Math.max(...masked(at1).map((v, i) => Math.abs(v - out.logprobs[i])));
      assert(gap > 10 * TEACHER_TOL, `T=${temperature}: logprobs at T=1 differ by only ${gap}`);
    }
  }
});

Deno.test("generate() leaves no tensors behind, with and without the cache", async () => {
  // One warm-up so that lazily created kernel state is not counted.
  await generate(model, request({ maxCompletionLength: 2 }));
  for (const useCache of [true, false]) {
    const before = tf.memory().numTensors;
    const out = await generate(model, request({ useCache }));
    assert(out.generatedTokens > 0);
    assertEquals(tf.memory().numTensors, before, `useCache=${useCache}`);
  }
});

Deno.test("generate() never samples <|image_pad|>, so every rollout can be teacher-forced", async () => {
  // Temperature 4 flattens the fresh model's distribution: 16 rows x 12 tokens would draw the image
  // token (about 1 in 127) several times over if it were not suppressed.
  const hot = { ...SAMPLING, temperature: 4 };
  const out = await generate(
    model,
    request({ numGenerations: 8, maxCompletionLength: 12, stopIds: [], sampling: hot }),
  );
  assertEquals(out.generatedTokens, 16 * 12);
  const all = out.completionIds.flat();
  assertEquals(all.filter((id) => id === text.ids.imagePad).length, 0);
  // The other vision specials are ordinary tokens to the sampler.
  assert(new Set(all).size > 60, `only ${new Set(all).size} distinct tokens`);
  const seq = buildSequenceBatch(
    model,
    Array.from(out.promptIndex, (b) => prompts[b]),
    out.completionIds,
    text.ids.pad,
  );
  const forced = tf.tidy(() => completionLogprobs(model, seq, prompts, out.promptIndex, hot.temperature));
  const values = await forced.data();
  forced.dispose();
  assertAllClose(values, out.logprobs, TEACHER_TOL);
});
