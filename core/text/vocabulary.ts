/**
 * The token ids the tiny model needs: its embedding table covers only these, so the list must hold
 * every id that a synthetic task's prompt, reference completion or explanation can tokenize to.
 *
 * Why enumeration is complete: Qwen's pre-tokenizer splits text into letter runs (with at most one
 * leading non-letter), single digits and punctuation runs before BPE, and BPE never merges across those
 * pieces; special tokens are split out first. So a text's ids are the ids of its pieces, and a number's
 * pieces are its digits whatever its value. Each task's texts() walks every branch of every template with
 * every word a slot can take and one placeholder number; adding the ten digits covers every number.
 */
import { tasks as registry } from "../data/registry.ts";
import type { Task } from "../data/task.ts";
import type { TextPipeline } from "./pipeline.ts";

export interface VocabularyOptions {
  /** The tasks to cover. Default: every registered task. */
  tasks?: readonly Task[];
  /** More texts the model must be able to read or write (e.g. a tool-call format). */
  extraTexts?: readonly string[];
}

/** The texts whose ids make up the vocabulary, in the layouts the model meets them. */
export function vocabularyTexts(pipeline: TextPipeline, options: VocabularyOptions = {}): string[] {
  const texts = ["0123456789".split("").join(" "), ...(options.extraTexts ?? [])];
  for (const task of options.tasks ?? Object.values(registry)) {
    const { prompts, completions, explanations } = task.texts();
    texts.push(...prompts.map((q) => pipeline.renderPrompt(q)));
    texts.push(...completions);
    for (const e of explanations) {
      texts.push(`<explain>${e}</explain>`);
      // Also between the think block and the answer, as an <explain> reward would read it: the tags'
      // neighbours form punctuation runs ("><") that only this layout produces.
      texts.push(completions[0].replace("</think>", `</think><explain>${e}</explain>`));
    }
  }
  return texts;
}

/** Sorted ids of every token the tasks can produce, plus every special id the model uses. */
export function taskVocabulary(pipeline: TextPipeline, options: VocabularyOptions = {}): number[] {
  const ids = new Set<number>(Object.values(pipeline.ids));
  for (const text of vocabularyTexts(pipeline, options)) {
    for (const id of pipeline.encode(text)) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}
