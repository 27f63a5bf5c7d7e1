import * as tf from "@tensorflow/tfjs";
import { maxOf } from "../extremes.ts";
import type { PromptInputs } from "../text/types.ts";
import type { Qwen2VLModel } from "../../models/qwen2_vl/model.ts";
import { ropeIndex, ropeIndexOptions } from "../../models/qwen2_vl/rope_index.ts";

/** N prompts left-padded to one length P, ready for a prefill. */
export interface PromptBatch {
  rows: number;
  /** P, the longest prompt. */
  length: number;
  /** Local token ids [N, P], padding on the left. */
  inputIds: Int32Array;
  /** 1 for prompt tokens, 0 for padding, per row: [N][P]. */
  attentionMask: number[][];
  /** Multimodal rotary position ids [3, N, P]. */
  positionIds: Int32Array;
  /** Per row: a token decoded at sequence index i (padding included) sits at position i + delta. */
  ropeDeltas: number[];
}

/** Left-pads the rows' prompts with padId and computes their M-RoPE positions. */
export function leftPaddedPrompts(model: Qwen2VLModel, rows: PromptInputs[], padId: number): PromptBatch {
  const N = rows.length;
  const P = maxOf(rows.map((p) => p.inputIds.length));
  const realIds = rows.map((p) => [...new Array(P - p.inputIds.length).fill(padId), ...p.inputIds]);
  const attentionMask = rows.map((p) => [
    ...new Array(P - p.inputIds.length).fill(0),
    ...new Array(p.inputIds.length).fill(1),
  ]);
  const { positionIds, ropeDeltas } = ropeIndex(
    realIds,
    rows.filter((p) => p.patchCount > 0).map((p) => p.gridThw),
    ropeIndexOptions(model.config),
    attentionMask,
  );
  const inputIds = new Int32Array(N * P);
  realIds.forEach((ids, r) => inputIds.set(model.toLocalIds(ids), r * P));
  const flatPositions = new Int32Array(3 * N * P);
  for (let a = 0; a < 3; a++) {
    for (let r = 0; r < N; r++) flatPositions.set(positionIds[a][r], (a * N + r) * P);
  }
  return { rows: N, length: P, inputIds, attentionMask, positionIds: flatPositions, ropeDeltas };
}

/** Positions [3, N, count] of `count` decoded tokens starting at sequence index `start` in every row. */
export function positionsAt(ropeDeltas: readonly number[], start: number, count: number): Int32Array {
  const N = ropeDeltas.length;
  const out = new Int32Array(3 * N * count);
  for (let a = 0; a < 3; a++) {
    for (let r = 0; r < N; r++) {
      for (let i = 0; i < count; i++) out[(a * N + r) * count + i] = start + i + ropeDeltas[r];
    }
  }
  return out;
}

/**
 * The merged vision features for every row, [sum of rows' image tokens, hidden], in row order. Each
 * distinct prompt's image goes through the vision tower once; rows that share a prompt share its rows.
 */
export function rowImageEmbeds(
  model: Qwen2VLModel,
  prompts: PromptInputs[],
  promptIndex: ArrayLike<number>,
): tf.Tensor2D | undefined {
  if (prompts.every((p) => p.patchCount === 0)) return undefined;
  return tf.tidy(() => {
    const patches = tf.tensor2d(concatFloat(prompts.map((p) => p.patches)), [
      prompts.reduce((s, p) => s + p.patchCount, 0),
      prompts[0].patches.length / Math.max(1, prompts[0].patchCount),
    ]);
    const merged = model.encodeImages(patches, prompts.map((p) => p.gridThw));
    const merge = model.config.vision_config.spatial_merge_size ** 2;
    const starts: number[] = [];
    let offset = 0;
    for (const p of prompts) {
      starts.push(offset);
      offset += p.patchCount / merge;
    }
    const rowsIndex: number[] = [];
    for (const b of Array.from(promptIndex)) {
      const count = prompts[b].patchCount / merge;
      for (let i = 0; i < count; i++) rowsIndex.push(starts[b] + i);
    }
    return selectRows(merged, rowsIndex);
  });
}

function concatFloat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * rows[i] = x[index[i]], differentiable on every backend: tf.gather's gradient needs
 * UnsortedSegmentSum, which the wasm backend lacks, so there the selection is a one-hot matMul
 * ([R, M] x [M, H]); elsewhere it is a gather.
 */
export function selectRows(x: tf.Tensor2D, index: number[]): tf.Tensor2D {
  const M = x.shape[0];
  if (index.length === M && index.every((v, i) => v === i)) return x.clone();
  const ids = tf.tensor1d(index, "int32");
  if (tf.getBackend() !== "wasm") return tf.gather(x, ids);
  return tf.matMul(tf.oneHot(ids, M).cast("float32"), x);
}
