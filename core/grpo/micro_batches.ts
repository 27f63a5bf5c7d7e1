/**
 * Splitting a rollout's N = B x G rows into the micro-batches of the update, each with its own
 * teacher-forced SequenceBatch and the subset of prompts (images) its rows answer.
 */
import type { Qwen2VLModel } from "../../models/qwen2_vl/model.ts";
import type { Rollout } from "../rollout/generate.ts";
import type { PromptInputs } from "../text/types.ts";
import { buildSequenceBatch, type SequenceBatch } from "../train/sequences.ts";

export interface MicroBatch {
  /** The rollout rows it holds, in order. */
  rows: number[];
  seq: SequenceBatch;
  /** The distinct prompts of these rows, and which one each row answers. */
  prompts: PromptInputs[];
  promptIndex: number[];
  /** Loss mask [n, C]: completion tokens, minus truncated rows when they are masked. */
  mask: Float32Array;
  /** Unmasked tokens in it. */
  tokens: number;
}

/**
 * `parts` contiguous micro-batches of the rows (sizes differ by at most one). With maskTruncated, a
 * truncated completion's tokens are all masked: it then adds nothing to the loss (DAPO's overlong
 * filtering), though it still counts in the reward statistics.
 */
export function microBatches(
  model: Qwen2VLModel,
  rollout: Rollout,
  prompts: PromptInputs[],
  opts: { parts: number; padId: number; maskTruncated: boolean },
): MicroBatch[] {
  const parts = Math.min(opts.parts, rollout.rows);
  const out: MicroBatch[] = [];
  for (let p = 0; p < parts; p++) {
    const start = Math.floor((p * rollout.rows) / parts), end = Math.floor(((p + 1) * rollout.rows) / parts);
    const rows = Array.from({ length: end - start }, (_, i) => start + i);
    const used = [...new Set(rows.map((r) => rollout.promptIndex[r]))];
    const local = new Map(used.map((b, i) => [b, i]));
    const rowPrompts = rows.map((r) => prompts[rollout.promptIndex[r]]);
    const seq = buildSequenceBatch(model, rowPrompts, rows.map((r) => rollout.completionIds[r]), opts.padId);
    const mask = seq.completionMask.slice();
    if (opts.maskTruncated) {
      rows.forEach((r, i) => {
        if (rollout.truncated[r]) mask.fill(0, i * seq.completionLength, (i + 1) * seq.completionLength);
      });
    }
    out.push({
      rows,
      seq,
      prompts: used.map((b) => prompts[b]),
      promptIndex: rows.map((r) => local.get(rollout.promptIndex[r])!),
      mask,
      tokens: mask.reduce((a, b) => a + b, 0),
    });
  }
  return out;
}
