/** The contract every synthetic task meets; the registry in registry.ts maps names to tasks. */
import type { Rng } from "../random.ts";
import type { Sample } from "./sample.ts";

/** Every text a task can write, for building the tiny model's vocabulary (core/text/vocabulary.ts). */
export interface TaskTexts {
  /** Questions, without the image placeholder. */
  prompts: string[];
  /** Reference completions, "<think>...</think><answer>...</answer>". */
  completions: string[];
  /** Explanation bodies (without <explain> tags). */
  explanations: string[];
}

export interface Task {
  readonly name: string;
  readonly description: string;
  /** Side of the square image the task renders (the model may see it resized). */
  readonly imageSize: number;
  /** One sample from a generator already seeded for it; `id` is its stable id. */
  generate(rng: Rng, id: string): Sample;
  /**
   * Every text this task can write: each branch of each template with every word it can put in a slot.
   * Numbers appear as one placeholder value: Qwen's pre-tokenizer makes each digit its own token, so a
   * number's tokens never depend on its value beyond its digits (vocabulary.ts adds the ten digits).
   */
  texts(): TaskTexts;
}
