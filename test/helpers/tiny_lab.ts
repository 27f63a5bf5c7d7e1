/**
 * Shared fixtures of the rollout, training and worker tests: the real text pipeline (tokenizer and image
 * processor from public/models/), the tiny model over the tasks' vocabulary, real prompts from the
 * synthetic tasks and a RunConfig built through parseConfig.
 */
import { normalStream } from "../../core/random.ts";
import { parseConfig } from "../../core/config/mod.ts";
import type { RunConfig } from "../../core/config/fields.ts";
import { makeSample } from "../../core/data/mod.ts";
import { loadTextPipeline, taskVocabulary, type TextPipeline } from "../../core/text/mod.ts";
import type { PromptInputs } from "../../core/text/types.ts";
import { Qwen2VLModel, tiny } from "../../models/qwen2_vl/mod.ts";

/** Image side of the test prompts: 56 px = a 4x4 patch grid = 4 image tokens, the smallest legal size. */
export const TEST_IMAGE_SIZE = 56;

let cached: Promise<{ text: TextPipeline; vocab: number[] }> | undefined;

/** The real text pipeline and the tasks' vocabulary, loaded once per test module. */
export function loadLab(): Promise<{ text: TextPipeline; vocab: number[] }> {
  cached ??= (async () => {
    const text = await loadTextPipeline({ modelBase: new URL("../../public/models/", import.meta.url) });
    return { text, vocab: taskVocabulary(text) };
  })();
  return cached;
}

/** A fresh tiny model over the tasks' vocabulary. */
export async function tinyLabModel(seed: number): Promise<Qwen2VLModel> {
  const { vocab } = await loadLab();
  return Qwen2VLModel.init(tiny(vocab), normalStream(seed));
}

/** Encoded prompts of sample `index` of training data set `seed` for each task, in order. */
export async function taskPrompts(
  tasks: readonly string[],
  seed: number,
  imageSize = TEST_IMAGE_SIZE,
): Promise<PromptInputs[]> {
  const { text } = await loadLab();
  return await Promise.all(
    tasks.map((task, i) => text.encodePrompt(makeSample(task, seed, i), { imageSize })),
  );
}

/** A RunConfig from defaults plus `values`, as the CLI would parse it. */
export function testConfig(values: Record<string, unknown>): RunConfig {
  return parseConfig([{ source: "test", values }]).config;
}
