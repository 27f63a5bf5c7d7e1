import * as tf from "@tensorflow/tfjs";
import { maxOf } from "../extremes.ts";
import type { Rng } from "../random.ts";
import type { PromptInputs } from "../text/types.ts";
import type { Qwen2VLModel } from "../../models/qwen2_vl/model.ts";
import { checkSamplingOptions, sampleToken, type SamplingOptions } from "./sampling.ts";
import { leftPaddedPrompts, positionsAt, type PromptBatch, rowImageEmbeds } from "./prompt_batch.ts";

/** What to generate: G completions for each of B prompts. */
export interface GenerateRequest {
  prompts: PromptInputs[];
  /** G, completions per prompt. */
  numGenerations: number;
  sampling: SamplingOptions;
  /** Completion tokens at most, the stop token included. */
  maxCompletionLength: number;
  /** Real token ids that end a completion (kept as its last token), e.g. <|im_end|>. */
  stopIds: readonly number[];
  /** Real token id fed to finished rows and used for padding. */
  padId: number;
  rng: Rng;
  /** Decode with the KV cache (default) or recompute the whole sequence per token (for benchmarks). */
  useCache?: boolean;
}

/** B x G completions, row r = prompt floor(r / G), as TRL orders them. */
export interface Rollout {
  /** Rows N = B x G. */
  rows: number;
  /** C, the longest completion; the [N, C] arrays below are row-major. */
  completionLength: number;
  /** Which prompt each row answers: [N]. */
  promptIndex: Int32Array;
  /** Real token ids per row, the stop token included when one was sampled. */
  completionIds: number[][];
  /** log p(token) per sampled token under softmax(logits / temperature): [N, C], 0 past the end. */
  logprobs: Float32Array;
  /** 1 for completion tokens, 0 for padding: [N, C]. */
  mask: Float32Array;
  /** The row hit max_completion_length without a stop token. */
  truncated: boolean[];
  /** Tokens generated, for throughput. */
  generatedTokens: number;
}

/**
 * Samples G completions per prompt, all N = B x G rows as one batch: one prefill over the left-padded
 * prompts, then one token per row per step through the KV cache. Logits come back to the CPU once per
 * step ([N, V]) where the seeded sampler draws every row's token, so the same seed gives the same
 * tokens on the same backend.
 */
export async function generate(model: Qwen2VLModel, req: GenerateRequest): Promise<Rollout> {
  checkSamplingOptions(req.sampling);
  const G = req.numGenerations;
  const N = req.prompts.length * G;
  const promptIndex = Int32Array.from({ length: N }, (_, r) => Math.floor(r / G));
  const rowPrompts = Array.from(promptIndex, (b) => req.prompts[b]);
  const batch = leftPaddedPrompts(model, rowPrompts, req.padId);
  const imageEmbeds = rowImageEmbeds(model, req.prompts, promptIndex);
  const stop = new Set(req.stopIds);
  const useCache = req.useCache ?? true;

  // Local ids of each row's prompt and completion so far (no padding), for the repetition penalty.
  const seen: number[][] = rowPrompts.map((p) => Array.from(model.toLocalIds(p.inputIds)));
  const completionIds: number[][] = Array.from({ length: N }, () => []);
  const logprobRows: number[][] = Array.from({ length: N }, () => []);
  const done = new Array<boolean>(N).fill(false);
  const cache = useCache ? model.createCache() : undefined;
  const padLocal = model.toLocalIds([req.padId])[0];
  // <|image_pad|> stands for image features: a sampled one would have none behind it, and every later
  // full pass (uncached decoding, training's teacher forcing) would count it as an image token and fail.
  const imageId = model.config.image_token_id;
  const suppressed = !model.config.vocab_ids || model.config.vocab_ids.includes(imageId)
    ? [...model.toLocalIds([imageId])]
    : [];
  // Per row: local ids and attention mask of everything fed so far ([N][length]).
  const fedIds = Array.from(
    { length: N },
    (_, r) => Array.from(batch.inputIds.subarray(r * batch.length, (r + 1) * batch.length)),
  );
  const fedMask = batch.attentionMask.map((row) => [...row]);
  let generatedTokens = 0;
  try {
    for (let t = 0; t < req.maxCompletionLength && done.includes(false); t++) {
      // Step 0 is the prefill; later steps feed one new token per row through the cache, or without
      // it the whole sequence again.
      const length = fedIds[0].length;
      const fresh = t === 0 || !useCache;
      const stepLength = fresh ? length : 1;
      const stepIds = fresh ? fedIds.flat() : fedIds.map((row) => row[length - 1]);
      const stepPositions = fresh
        ? concatPositions(batch, length)
        : positionsAt(batch.ropeDeltas, length - 1, 1);
      const last = tf.tidy(() => {
        const logits = model.forward({
          inputIds: tf.tensor2d(stepIds, [N, stepLength], "int32"),
          positionIds: tf.tensor3d(stepPositions, [3, N, stepLength], "int32"),
          attentionMask: tf.tensor2d(fedMask.flat(), [N, length], "int32"),
          imageEmbeds: fresh ? imageEmbeds : undefined,
          cache: useCache ? cache : undefined,
          // Only the last position's logits are sampled from: a prefill skips the head elsewhere.
          headFrom: stepLength - 1,
        });
        return logits.reshape([N, -1]);
      });
      const rowsLogits = await last.data();
      last.dispose();
      const V = rowsLogits.length / N;
      for (let r = 0; r < N; r++) {
        let token = padLocal;
        if (!done[r]) {
          const sampled = sampleToken(
            rowsLogits.subarray(r * V, (r + 1) * V),
            seen[r],
            req.sampling,
            req.rng,
            suppressed,
          );
          token = sampled.token;
          const real = model.toRealIds([token])[0];
          seen[r].push(token);
          completionIds[r].push(real);
          logprobRows[r].push(sampled.logprob);
          generatedTokens++;
          if (stop.has(real)) done[r] = true;
        }
        fedIds[r].push(token);
        fedMask[r].push(1);
      }
    }
  } finally {
    cache?.dispose();
    imageEmbeds?.dispose();
  }
  const C = Math.max(0, maxOf(completionIds.map((ids) => ids.length)));
  const logprobs = new Float32Array(N * C);
  const mask = new Float32Array(N * C);
  logprobRows.forEach((row, r) => {
    logprobs.set(row, r * C);
    mask.fill(1, r * C, r * C + row.length);
  });
  return {
    rows: N,
    completionLength: C,
    promptIndex,
    completionIds,
    logprobs,
    mask,
    truncated: done.map((d) => !d),
    generatedTokens,
  };
}

/** Position ids [3, N, length] of the prompts followed by (length - P) decoded tokens. */
function concatPositions(batch: PromptBatch, length: number): Int32Array {
  const P = batch.length;
  if (length === P) return batch.positionIds;
  const N = batch.rows;
  const tail = positionsAt(batch.ropeDeltas, P, length - P);
  const out = new Int32Array(3 * N * length);
  for (let a = 0; a < 3; a++) {
    for (let r = 0; r < N; r++) {
      const row = (a * N + r) * length;
      out.set(batch.positionIds.subarray((a * N + r) * P, (a * N + r + 1) * P), row);
      out.set(tail.subarray((a * N + r) * (length - P), (a * N + r + 1) * (length - P)), row + P);
    }
  }
  return out;
}
