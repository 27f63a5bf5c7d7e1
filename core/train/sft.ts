import * as tf from "@tensorflow/tfjs";
import type { Qwen2VLModel } from "../../models/qwen2_vl/model.ts";
import type { PromptInputs } from "../text/types.ts";
import { buildSequenceBatch, completionLogprobs, completionNll } from "./sequences.ts";

/** One SFT micro-batch: each row's prompt and its reference completion (real ids, <|im_end|> included). */
export interface SftMicroBatch {
  prompts: PromptInputs[];
  completions: number[][];
}

export interface SftGradients {
  /** Mean NLL per completion token of this micro-batch. */
  loss: number;
  /** Completion tokens in this micro-batch. */
  tokens: number;
  /** d loss / d variable, by variable name. The caller disposes them. */
  grads: tf.NamedTensorMap;
}

/**
 * Forward and backward of the SFT loss on one micro-batch: cross-entropy on the completion tokens only
 * (the prompt and the image are context, never targets).
 */
export async function sftGradients(
  model: Qwen2VLModel,
  batch: SftMicroBatch,
  variables: tf.Variable[],
  padId: number,
): Promise<SftGradients> {
  const seq = buildSequenceBatch(model, batch.prompts, batch.completions, padId);
  const rowIndex = Array.from(batch.prompts.keys());
  const { value, grads } = tf.variableGrads(
    () => completionNll(completionLogprobs(model, seq, batch.prompts, rowIndex), seq.completionMask),
    variables,
  );
  const loss = (await value.data())[0];
  value.dispose();
  const tokens = seq.completionMask.reduce((s, m) => s + m, 0);
  return { loss, tokens, grads };
}

/** Adds b into a (a += b * scale), disposing b; a starts empty. */
export function accumulateGradients(a: tf.NamedTensorMap, b: tf.NamedTensorMap, scale: number): void {
  for (const [name, g] of Object.entries(b)) {
    const scaled = tf.mul(g, scale);
    g.dispose();
    const prev = a[name];
    a[name] = prev ? tf.add(prev, scaled) : scaled;
    if (prev) {
      prev.dispose();
      scaled.dispose();
    }
  }
}
