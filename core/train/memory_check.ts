/**
 * The trainer's use of the memory estimate: the model config a run will build and the length of its
 * first prompt, measured, then memoryProblem() (core/train/memory_estimate.ts) before any model exists.
 */
import type { RunConfig } from "../config/fields.ts";
import { makeSample, splitSeed } from "../data/registry.ts";
import type { TextPipeline } from "../text/pipeline.ts";
import { taskVocabulary } from "../text/vocabulary.ts";
import { configFromText, tiny } from "../../models/qwen2_vl/configs.ts";
import type { Qwen2VLConfig } from "../../models/qwen2_vl/config.ts";
import { memoryProblem } from "./memory_estimate.ts";

/**
 * Throws the estimate's message when a step of this run cannot fit in max_memory_gb. The prompt length
 * is that of the run's first synthetic prompt (image tokens included): a data set's prompts may be
 * longer, so the estimate is then a floor. A checkpoint whose config.json does not read is left to the
 * loader, whose error names the file.
 */
export async function refuseOversizedStep(
  config: RunConfig,
  text: TextPipeline,
  files: { configJson: string } | undefined,
  firstTask: string,
): Promise<void> {
  if (config.max_memory_gb === 0) return;
  let model: Qwen2VLConfig;
  try {
    model = files ? configFromText(files.configJson, "config.json") : tiny(taskVocabulary(text));
  } catch {
    return;
  }
  const sample = makeSample(firstTask, splitSeed("train", config.seed), 0);
  const prompt = await text.encodePrompt(sample, { imageSize: config.image_size });
  const problem = memoryProblem(config, model, prompt.inputIds.length);
  if (problem !== undefined) throw new Error(problem);
}
