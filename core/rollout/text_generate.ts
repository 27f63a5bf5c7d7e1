/**
 * One completion per text-only prompt, for rewards that ask the policy (blindfold's second pass). The
 * calls a reward makes for every row of a step arrive one by one; they are gathered until the current
 * task ends and generated as one batch, so a step costs one extra rollout, not one per row.
 */
import type { Rng } from "../random.ts";
import type { TextPipeline } from "../text/pipeline.ts";
import type { Qwen2VLModel } from "../../models/qwen2_vl/model.ts";
import { generate } from "./generate.ts";
import type { SamplingOptions } from "./sampling.ts";

export interface TextGeneratorOptions {
  model: Qwen2VLModel;
  text: TextPipeline;
  sampling: SamplingOptions;
  maxCompletionLength: number;
  /** The run's rollout generator: blind passes draw from it, in row order, so runs stay reproducible. */
  rng: Rng;
}

interface Pending {
  prompt: string;
  resolve: (completion: string) => void;
  reject: (error: Error) => void;
}

/** generate(prompt) -> the policy's completion text, special tokens dropped. */
export function batchedTextGenerator(opts: TextGeneratorOptions): (prompt: string) => Promise<string> {
  let pending: Pending[] = [];
  const flush = async () => {
    const batch = pending;
    pending = [];
    try {
      const rollout = await generate(opts.model, {
        prompts: batch.map((p) => opts.text.encodeTextPrompt(p.prompt)),
        numGenerations: 1,
        sampling: opts.sampling,
        maxCompletionLength: opts.maxCompletionLength,
        stopIds: [opts.text.ids.imEnd],
        padId: opts.text.ids.pad,
        rng: opts.rng,
      });
      batch.forEach((p, i) =>
        p.resolve(opts.text.decode(rollout.completionIds[i], { skipSpecialTokens: true }))
      );
    } catch (e) {
      for (const p of batch) p.reject(e as Error);
    }
  };
  return (prompt) =>
    new Promise((resolve, reject) => {
      // A macrotask, not a microtask: every row's reward call has started by then.
      if (pending.length === 0) setTimeout(flush, 0);
      pending.push({ prompt, resolve, reject });
    });
}
