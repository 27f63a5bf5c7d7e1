import type { Qwen2VLModel } from "../../models/qwen2_vl/model.ts";
import type { RunConfig } from "../config/fields.ts";
import type { Sample } from "../data/sample.ts";
import { Rng } from "../random.ts";
import { accuracyReward } from "../rewards/accuracy.ts";
import { formatReward } from "../rewards/format.ts";
import { iouReward } from "../rewards/iou.ts";
import { rewardContext } from "../rewards/context.ts";
import type { RewardContext } from "../rewards/types.ts";
import { Notes } from "../notes.ts";
import { generate } from "../rollout/generate.ts";
import type { TextPipeline } from "../text/pipeline.ts";

/** A completion and its scores, as eval writes it to predictions.jsonl. */
export interface Prediction {
  id: string;
  task: string;
  prompt: string;
  solution: string;
  completion: string;
  format: number;
  accuracy: number;
  /** IoU of the predicted box with the ground truth, for grounding samples. */
  iou?: number;
  truncated: boolean;
}

export interface EvalReport {
  n: number;
  /** Per task and "all": format rate, accuracy and (grounding) mean IoU. */
  summary: Record<string, { n: number; format_rate: number; accuracy: number; mean_iou?: number }>;
  predictions: Prediction[];
  tokens: number;
  seconds: number;
  /** What the rewards said for the first time this run while scoring (the run's Notes). */
  said: string[];
}

export interface EvalOptions {
  task: RunConfig["task"];
  n: number;
  /** Seed of the held-out scenes. */
  seed: number;
  /** Prompts per generation batch. */
  batchSize: number;
}

type Summary = EvalReport["summary"][string];

/** One sample's prediction: its completion with format, accuracy and (box solutions) IoU. */
export function predictionOf(
  sample: Sample,
  completion: string,
  truncated: boolean,
  ctx: RewardContext = rewardContext(new Notes()),
): Prediction {
  const iou = iouReward(completion, sample, undefined, ctx);
  return {
    id: sample.id,
    task: sample.task,
    prompt: sample.prompt,
    solution: sample.solution,
    completion,
    format: formatReward(completion),
    accuracy: accuracyReward(completion, sample, undefined, ctx),
    ...(iou === null ? {} : { iou }),
    truncated,
  };
}

/**
 * One completion per sample with the run's sampling settings, scored by format, accuracy and (for box
 * answers) IoU. Sampling is seeded by config.seed, so the same checkpoint and config give the same report.
 */
export async function evaluateSamples(
  model: Qwen2VLModel,
  text: TextPipeline,
  samples: Sample[],
  config: RunConfig,
  batchSize: number,
  notes: Notes,
  onProgress?: (done: number, total: number) => void,
): Promise<EvalReport> {
  const t0 = performance.now();
  const ctx = rewardContext(notes);
  const rng = new Rng(config.seed);
  const predictions: Prediction[] = [];
  let tokens = 0;
  for (let start = 0; start < samples.length; start += batchSize) {
    const batch = samples.slice(start, start + batchSize);
    const prompts = await Promise.all(
      batch.map((x) => text.encodePrompt(x, { imageSize: config.image_size })),
    );
    const rollout = await generate(model, {
      prompts,
      numGenerations: 1,
      sampling: config,
      maxCompletionLength: config.max_completion_length,
      stopIds: [text.ids.imEnd],
      padId: text.ids.pad,
      rng,
    });
    tokens += rollout.generatedTokens;
    batch.forEach((sample, i) => {
      const completion = text.decode(rollout.completionIds[i], { skipSpecialTokens: true });
      predictions.push(predictionOf(sample, completion, rollout.truncated[i], ctx));
    });
    onProgress?.(predictions.length, samples.length);
  }
  return {
    n: predictions.length,
    summary: summarise(predictions),
    predictions,
    tokens,
    seconds: (performance.now() - t0) / 1000,
    said: notes.take(),
  };
}

/** Format rate, accuracy and mean IoU per task, plus "all" when there is more than one task. */
export function summarise(predictions: Prediction[]): Record<string, Summary> {
  const groups = new Map<string, Prediction[]>();
  for (const p of predictions) groups.set(p.task, [...(groups.get(p.task) ?? []), p]);
  if (groups.size > 1) groups.set("all", predictions);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  const out: Record<string, Summary> = {};
  for (const [task, ps] of groups) {
    const ious = ps.flatMap((p) => (p.iou === undefined ? [] : [p.iou]));
    out[task] = {
      n: ps.length,
      format_rate: mean(ps.map((p) => p.format)),
      accuracy: mean(ps.map((p) => p.accuracy)),
      ...(ious.length > 0 ? { mean_iou: mean(ious) } : {}),
    };
  }
  return out;
}
