import * as tf from "@tensorflow/tfjs";
import { maxOf } from "../extremes.ts";
import type { PromptInputs } from "../text/types.ts";
import type { Qwen2VLModel } from "../../models/qwen2_vl/model.ts";
import { leftPaddedPrompts, positionsAt, type PromptBatch, rowImageEmbeds } from "../rollout/prompt_batch.ts";

/**
 * N prompt + completion rows for a teacher-forced forward pass, laid out as generation lays them out:
 * [pad..., prompt (P), completion, pad...] with the completions right-padded to C. The forward pass
 * reads the first P + C - 1 tokens; the logits at index P - 1 + j predict completion token j.
 */
export interface SequenceBatch {
  rows: number;
  prompt: PromptBatch;
  /** C, the longest completion. */
  completionLength: number;
  /** Local ids [N, P + C - 1]. */
  inputIds: Int32Array;
  /** [N, P + C - 1]. */
  attentionMask: Int32Array;
  /** [3, N, P + C - 1]. */
  positionIds: Int32Array;
  /** Local ids of the completion tokens [N, C] (padding 0 where the mask is 0). */
  targets: Int32Array;
  /** 1 on completion tokens [N, C]. */
  completionMask: Float32Array;
}

/** Builds the teacher-forced batch for rows (prompt, completion real ids). */
export function buildSequenceBatch(
  model: Qwen2VLModel,
  rowPrompts: PromptInputs[],
  completions: number[][],
  padId: number,
): SequenceBatch {
  const N = rowPrompts.length;
  if (completions.length !== N) throw new Error(`${N} prompts but ${completions.length} completions`);
  const prompt = leftPaddedPrompts(model, rowPrompts, padId);
  const P = prompt.length;
  const C = Math.max(1, maxOf(completions.map((c) => c.length)));
  const L = P + C - 1;
  const padLocal = model.toLocalIds([padId])[0];
  const inputIds = new Int32Array(N * L).fill(padLocal);
  const attentionMask = new Int32Array(N * L);
  const targets = new Int32Array(N * C);
  const completionMask = new Float32Array(N * C);
  for (let r = 0; r < N; r++) {
    const local = model.toLocalIds(completions[r]);
    inputIds.set(prompt.inputIds.subarray(r * P, (r + 1) * P), r * L);
    attentionMask.set(prompt.attentionMask[r], r * L);
    // The last completion token is only a target, never an input.
    inputIds.set(local.subarray(0, C - 1), r * L + P);
    attentionMask.fill(1, r * L + P, r * L + P + Math.min(local.length, C - 1));
    targets.set(local, r * C);
    completionMask.fill(1, r * C, r * C + local.length);
  }
  const tail = positionsAt(prompt.ropeDeltas, P, C - 1);
  const positionIds = new Int32Array(3 * N * L);
  for (let a = 0; a < 3; a++) {
    for (let r = 0; r < N; r++) {
      const row = (a * N + r) * L;
      positionIds.set(prompt.positionIds.subarray((a * N + r) * P, (a * N + r + 1) * P), row);
      positionIds.set(tail.subarray((a * N + r) * (C - 1), (a * N + r + 1) * (C - 1)), row + P);
    }
  }
  return {
    rows: N,
    prompt,
    completionLength: C,
    inputIds,
    attentionMask,
    positionIds,
    targets,
    completionMask,
  };
}

/**
 * log p(completion token j | everything before it) for every row: [N, C], with gradients, under
 * softmax(logits / temperature). Prompts are given per distinct prompt plus promptIndex per row so that
 * each image goes through the vision tower once. Call inside tf.tidy or a gradient function.
 */
export function completionLogprobs(
  model: Qwen2VLModel,
  batch: SequenceBatch,
  prompts: PromptInputs[],
  promptIndex: ArrayLike<number>,
  temperature = 1,
): tf.Tensor2D {
  return completionLogits(model, batch, prompts, promptIndex, temperature, false).logprobs;
}

/**
 * completionLogprobs plus the entropy of each next-token distribution, H = -Σ_v p_v log p_v: both
 * [N, C], with gradients. Call inside tf.tidy or a gradient function.
 */
export function completionLogprobsAndEntropy(
  model: Qwen2VLModel,
  batch: SequenceBatch,
  prompts: PromptInputs[],
  promptIndex: ArrayLike<number>,
  temperature = 1,
): { logprobs: tf.Tensor2D; entropy: tf.Tensor2D } {
  const out = completionLogits(model, batch, prompts, promptIndex, temperature, true);
  return { logprobs: out.logprobs, entropy: out.entropy! };
}

function completionLogits(
  model: Qwen2VLModel,
  batch: SequenceBatch,
  prompts: PromptInputs[],
  promptIndex: ArrayLike<number>,
  temperature: number,
  withEntropy: boolean,
): { logprobs: tf.Tensor2D; entropy?: tf.Tensor2D } {
  const N = batch.rows;
  const P = batch.prompt.length;
  const C = batch.completionLength;
  const L = P + C - 1;
  const logits = model.forward({
    inputIds: tf.tensor2d(batch.inputIds, [N, L], "int32"),
    positionIds: tf.tensor3d(batch.positionIds, [3, N, L], "int32"),
    attentionMask: tf.tensor2d(batch.attentionMask, [N, L], "int32"),
    imageEmbeds: rowImageEmbeds(model, prompts, promptIndex),
    // Only the positions that predict completion tokens go through the head: [N, C, V].
    headFrom: P - 1,
  });
  // log-softmax subtracts the max.
  const scaled = logits.div(temperature);
  const logp = tf.logSoftmax(scaled) as tf.Tensor3D;
  const logprobs = pickTokens(logp, tf.tensor2d(batch.targets, [N, C], "int32"));
  if (!withEntropy) return { logprobs };
  return { logprobs, entropy: tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1)) as tf.Tensor2D };
}

/** out[n, c] = logp[n, c, targets[n, c]], differentiable on every backend (see selectRows). */
function pickTokens(logp: tf.Tensor3D, targets: tf.Tensor2D): tf.Tensor2D {
  const [N, C, V] = logp.shape;
  if (tf.getBackend() === "wasm") {
    return tf.sum(tf.mul(logp, tf.oneHot(targets, V).cast("float32")), -1) as tf.Tensor2D;
  }
  // V as an int32 scalar: a plain number would make the product, and so the indices, float32.
  const flat = tf.add(
    tf.mul(tf.range(0, N * C, 1, "int32"), tf.scalar(V, "int32")),
    targets.reshape([-1]),
  ) as tf.Tensor1D;
  return tf.gather(logp.reshape([-1]), flat).reshape([N, C]);
}

/** Mean negative log-likelihood over completion tokens: SFT's loss, a scalar. */
export function completionNll(logprobs: tf.Tensor2D, mask: Float32Array): tf.Scalar {
  const m = tf.tensor2d(mask, logprobs.shape);
  // max(1, ...) keeps an all-padding batch at loss 0 instead of NaN.
  return tf.neg(tf.sum(tf.mul(logprobs, m))).div(tf.maximum(tf.sum(m), 1)) as tf.Scalar;
}
