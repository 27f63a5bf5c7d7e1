/**
 * One GRPO step, as named stages: prompts -> rollout (G completions each) -> rewards (off the training
 * thread, overlapping the old/reference log-probabilities) -> advantages -> num_iterations (μ) updates,
 * each accumulating gradients over the micro-batches, clipping them and stepping AdamW.
 */
import * as tf from "@tensorflow/tfjs";
import type { RunConfig } from "../config/fields.ts";
import { makeSample, splitSeed } from "../data/registry.ts";
import type { Sample } from "../data/sample.ts";
import type { Rng } from "../random.ts";
import { rewardSample, weightedTotal } from "../rewards/registry.ts";
import {
  calledFromStep,
  type LoadedReward,
  needsImage,
  rewardContext,
  type RewardSetSpec,
  scoreRewards,
  subSpec,
} from "../rewards/reward_set.ts";
import type { RewardValue } from "../rewards/types.ts";
import type { Notes } from "../notes.ts";
import type { RewardScorer, Scored } from "../rewards/scorer.ts";
import { generate, type Rollout } from "../rollout/generate.ts";
import { batchedTextGenerator } from "../rollout/text_generate.ts";
import type { TextPipeline } from "../text/pipeline.ts";
import type { PromptInputs } from "../text/types.ts";
import { type AdamW, clipAndStep } from "../train/optimizer.ts";
import { completionLogprobs, completionLogprobsAndEntropy } from "../train/sequences.ts";
import { accumulateGradients } from "../train/sft.ts";
import type { Qwen2VLModel } from "../../models/qwen2_vl/model.ts";
import { advantages, zeroStdGroupFraction } from "./advantages.ts";
import { maskedMean } from "./masked.ts";
import { type MicroBatch, microBatches } from "./micro_batches.ts";
import { policyLoss, type PolicyLossOptions } from "./policy_loss.ts";
import { stopGradient } from "./stop_gradient.ts";
import { type GroupLog, groupLogs, stepMetrics, type UpdateStats } from "./step_metrics.ts";
import type { Metrics } from "./step_metrics.ts";

/** Everything a step reads and updates; owned by the trainer session. */
export interface GrpoContext {
  config: RunConfig;
  text: TextPipeline;
  model: Qwen2VLModel;
  /** The frozen starting policy, present when beta > 0. */
  refModel?: Qwen2VLModel;
  optimizer: AdamW;
  variables: tf.Variable[];
  schedule: (step: number) => number;
  /** Draws the rollout's tokens; its state is part of a checkpoint. */
  rng: Rng;
  scorer: RewardScorer;
  /** The run's rewards, resolved from config.reward_funcs (same order), and their spec. */
  rewards: LoadedReward[];
  rewardSpec: RewardSetSpec;
  /** The reward weights in force, one per config.reward_funcs entry. */
  rewardWeights: number[];
  /** The sample task of row i of the data stream. */
  taskOf: (index: number) => string;
  /** Sample i of the data stream when a data set is configured; the synthetic task's otherwise. */
  sampleAt?: (index: number) => Promise<Sample>;
  /** The run's one "say once": what the rewards say, here or in the scorer's thread, goes here. */
  notes: Notes;
}

export interface GrpoStepResult {
  metrics: Metrics;
  groups: GroupLog[];
}

/** Stage 1: the step's B prompts. The data position is the step: sample i of step s is s * B + i. */
export async function stagePrompts(
  ctx: GrpoContext,
  step: number,
): Promise<{ samples: Sample[]; prompts: PromptInputs[] }> {
  const B = ctx.config.per_device_train_batch_size;
  const samples = await Promise.all(Array.from({ length: B }, (_, i) => {
    const index = step * B + i;
    return ctx.sampleAt?.(index) ?? makeSample(ctx.taskOf(index), splitSeed("train", ctx.config.seed), index);
  }));
  const prompts = await Promise.all(
    samples.map((x) => ctx.text.encodePrompt(x, { imageSize: ctx.config.image_size })),
  );
  return { samples, prompts };
}

/** Stage 2: G completions per prompt with the run's sampling settings. */
export async function stageRollout(ctx: GrpoContext, prompts: PromptInputs[]): Promise<Rollout> {
  return await generate(ctx.model, {
    prompts,
    numGenerations: ctx.config.num_generations,
    sampling: ctx.config,
    maxCompletionLength: ctx.config.max_completion_length,
    stopIds: [ctx.text.ids.imEnd],
    padId: ctx.text.ids.pad,
    rng: ctx.rng,
  });
}

/**
 * Stage 3 (started, not awaited): every reward on every row. Pure rewards run in the scorer's thread;
 * rewards that ask the policy (needsPolicy) run here, where the model is, their generations batched;
 * custom rewards are called from here too, as they already run in sandboxed workers of their own.
 * Scores come back in reward_funcs' order.
 */
export async function stageRewards(
  ctx: GrpoContext,
  samples: Sample[],
  rollout: Rollout,
  completions: string[],
): Promise<{ scores: RewardValue[][]; seconds: number }> {
  const withImage = ctx.rewards.some(needsImage);
  const rowSamples = Array.from(rollout.promptIndex, (b) => rewardSample(samples[b], withImage));
  const onPolicy = ctx.rewards.filter(calledFromStep);
  const offThread = ctx.rewards.filter((r) => !calledFromStep(r)).map((r) => r.name);
  const spec = ctx.rewardSpec;
  const scoring = offThread.length > 0
    ? ctx.scorer.score(subSpec(spec, offThread), completions, rowSamples)
    : Promise.resolve<Scored>({ scores: [], seconds: 0, said: [] });
  const t0 = performance.now();
  const policyCtx = rewardContext(
    ctx.notes,
    batchedTextGenerator({
      model: ctx.model,
      text: ctx.text,
      sampling: ctx.config,
      maxCompletionLength: ctx.config.max_completion_length,
      rng: ctx.rng,
    }),
  );
  const policyScores = onPolicy.length > 0
    ? await scoreRewards(onPolicy, completions, rowSamples, policyCtx)
    : [];
  const policySeconds = (performance.now() - t0) / 1000;
  const off = await scoring;
  const scores = ctx.rewards.map((r) =>
    calledFromStep(r) ? policyScores[onPolicy.indexOf(r)] : off.scores[offThread.indexOf(r.name)]
  );
  // The scorer's thread said its lines into its own Notes; they join the run's here.
  for (const line of off.said) ctx.notes.say(line);
  return { scores, seconds: off.seconds + policySeconds };
}

/**
 * Stage 4: per micro-batch, the log-probabilities the update holds fixed: π_old when μ > 1 (with μ = 1
 * the ratio is exactly 1 and the current log-probabilities, detached, stand in, as in TRL), and π_ref
 * when beta > 0. [n, C] tensors, kept until disposed.
 */
export function stageFixedLogprobs(
  ctx: GrpoContext,
  micro: MicroBatch[],
): { old: (tf.Tensor2D | undefined)[]; ref: (tf.Tensor2D | undefined)[] } {
  const T = ctx.config.temperature;
  const fixed = (model: Qwen2VLModel | undefined) =>
    micro.map((m) =>
      model ? tf.tidy(() => completionLogprobs(model, m.seq, m.prompts, m.promptIndex, T)) : undefined
    );
  return {
    old: fixed(ctx.config.num_iterations > 1 ? ctx.model : undefined),
    ref: fixed(ctx.config.beta > 0 ? ctx.refModel : undefined),
  };
}

/** The policy-loss options of the run. */
export function lossOptions(config: RunConfig, numItemsInBatch: number): PolicyLossOptions {
  return {
    lossType: config.loss_type,
    epsilon: config.epsilon,
    epsilonHigh: config.epsilon_high > 0 ? config.epsilon_high : config.epsilon,
    dualClip: config.dual_clip > 0 ? config.dual_clip : undefined,
    beta: config.beta,
    klEstimator: config.kl_estimator,
    entropyCoef: config.entropy_coef,
    importanceSamplingLevel: config.importance_sampling_level,
    maxCompletionLength: config.max_completion_length,
    numItemsInBatch,
  };
}

/**
 * How much of the step's loss a micro-batch carries, so that accumulating its gradients gives the
 * gradient of the loss over the whole batch: by rows for the per-sequence losses, by tokens for bnpo,
 * and 1 for dapo, whose normaliser is already the whole batch's token count.
 */
const MICRO_WEIGHT: Record<RunConfig["loss_type"], (m: MicroBatch, rows: number, tokens: number) => number> =
  {
    grpo: (m, rows) => m.rows.length / rows,
    dr_grpo: (m, rows) => m.rows.length / rows,
    bnpo: (m, _rows, tokens) => m.tokens / Math.max(tokens, 1),
    dapo: () => 1,
  };

/** Stage 5: μ optimizer updates over the micro-batches with the advantages and fixed log-probs. */
export async function stageUpdate(
  ctx: GrpoContext,
  micro: MicroBatch[],
  advantage: Float32Array,
  fixed: { old: (tf.Tensor2D | undefined)[]; ref: (tf.Tensor2D | undefined)[] },
  lr: number,
): Promise<UpdateStats> {
  const { config } = ctx;
  const rows = micro.reduce((n, m) => n + m.rows.length, 0);
  const tokens = micro.reduce((n, m) => n + m.tokens, 0);
  const opts = lossOptions(config, tokens);
  const sums: Record<string, number> = {};
  let passes = 0;
  let gradNorm = NaN;
  for (let iteration = 0; iteration < config.num_iterations; iteration++) {
    const total: tf.NamedTensorMap = {};
    for (const [i, m] of micro.entries()) {
      let metrics: Record<string, tf.Scalar | undefined> = {};
      const { value, grads } = tf.variableGrads(() => {
        const { logprobs, entropy } = completionLogprobsAndEntropy(
          ctx.model,
          m.seq,
          m.prompts,
          m.promptIndex,
          config.temperature,
        );
        const mask = tf.tensor2d(m.mask, logprobs.shape);
        const out = policyLoss({
          logprobs,
          oldLogprobs: fixed.old[i] ?? logprobs,
          refLogprobs: fixed.ref[i],
          advantages: tf.tensor1d(m.rows.map((r) => advantage[r])),
          mask,
          entropy,
        }, opts);
        metrics = { ...out.metrics, entropy: maskedMean(stopGradient(entropy), mask) };
        for (const t of Object.values(metrics)) if (t) tf.keep(t);
        return out.loss;
      }, ctx.variables);
      const weight = MICRO_WEIGHT[config.loss_type](m, rows, tokens);
      accumulateGradients(total, grads, weight);
      sums.loss = (sums.loss ?? 0) + (await value.data())[0] * weight;
      value.dispose();
      for (const [name, t] of Object.entries(metrics)) {
        if (!t) continue;
        sums[name] = (sums[name] ?? 0) + (await t.data())[0] * (m.rows.length / rows);
        t.dispose();
      }
    }
    passes++;
    gradNorm = await clipAndStep(ctx.optimizer, total, config.max_grad_norm, lr);
  }
  const stats: UpdateStats = { gradNorm };
  for (const [name, v] of Object.entries(sums)) stats[name] = v / passes;
  return stats;
}

/** One whole GRPO step: the stages above in order, with their times. */
export async function grpoStep(ctx: GrpoContext, step: number): Promise<GrpoStepResult> {
  const { config } = ctx;
  const t0 = performance.now();
  const { samples, prompts } = await stagePrompts(ctx, step);
  const rollout = await stageRollout(ctx, prompts);
  const completions = rollout.completionIds.map((ids) => ctx.text.decode(ids, { skipSpecialTokens: true }));
  const t1 = performance.now();

  const scoring = stageRewards(ctx, samples, rollout, completions);
  const micro = microBatches(ctx.model, rollout, prompts, {
    parts: config.gradient_accumulation_steps,
    padId: ctx.text.ids.pad,
    maskTruncated: config.mask_truncated_completions,
  });
  const fixed = stageFixedLogprobs(ctx, micro);
  try {
    const { scores, seconds: rewardSeconds } = await scoring;
    const weights = ctx.rewardWeights;
    const totals = weightedTotal(scores, weights);
    const { advantage, zeroStd } = await stageAdvantages(config, totals);
    const t2 = performance.now();
    const lr = ctx.schedule(step);
    const update = await stageUpdate(ctx, micro, advantage, fixed, lr);
    const t3 = performance.now();
    const metrics = stepMetrics({
      step: step + 1,
      names: config.reward_funcs,
      scores,
      totals,
      numGenerations: config.num_generations,
      zeroStd,
      rollout,
      update,
      learningRate: lr,
      times: {
        rollout: (t1 - t0) / 1000,
        reward: rewardSeconds,
        update: (t3 - t2) / 1000,
      },
    });
    return {
      metrics,
      groups: groupLogs(samples, rollout, completions, config.reward_funcs, scores, totals, advantage),
    };
  } finally {
    for (const t of [...fixed.old, ...fixed.ref]) t?.dispose();
  }
}

/** Stage 4b: group-normalised advantages [N] and the share of groups with no reward spread. */
export async function stageAdvantages(
  config: RunConfig,
  totals: Float32Array,
): Promise<{ advantage: Float32Array; zeroStd: number }> {
  const rewards = tf.tensor1d(totals);
  try {
    const adv = advantages(rewards, config.num_generations, { scaleRewards: config.scale_rewards });
    const advantage = (await adv.data()) as Float32Array;
    adv.dispose();
    return { advantage, zeroStd: await zeroStdGroupFraction(rewards, config.num_generations) };
  } finally {
    rewards.dispose();
  }
}
