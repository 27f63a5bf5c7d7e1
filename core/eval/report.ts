/**
 * An evaluation scored with a reward set and summarised per task: format rate, accuracy, each reward
 * function's mean (rows where it does not apply left out), the weighted total, and for box answers the
 * mean IoU and the share at IoU >= 0.5. Pure: predictions and samples in, rows and summaries out.
 */
import type { Sample } from "../data/sample.ts";
import { rewardSample, weightedTotal } from "../rewards/registry.ts";
import { type LoadedReward, rewardContext, scoreRewards } from "../rewards/reward_set.ts";
import type { RewardValue } from "../rewards/types.ts";
import type { Prediction } from "./evaluate.ts";
import { Notes } from "../notes.ts";

/** IoU at or above which a predicted box counts as a hit (IoU@0.5). */
export const IOU_HIT = 0.5;

/** A prediction with every reward of the set and their weighted total. */
export interface ScoredPrediction extends Prediction {
  rewards: Record<string, RewardValue>;
  total: number;
}

export interface ReportSummary {
  n: number;
  format_rate: number;
  accuracy: number;
  /** Mean weighted total of the reward set. */
  reward: number;
  /** Mean of each reward over the rows where it applies; null when it applies to none. */
  rewards: Record<string, number | null>;
  /** Over the rows with a box solution, when there are any. */
  mean_iou?: number;
  iou_at_50?: number;
  /** Rows with a box solution. */
  n_boxes?: number;
}

/**
 * Scores each prediction (the completion for samples[i], same id) with `rewards`; `weights` one per
 * reward. Rewards that need the policy (blindfold) are refused: eval has no second pass.
 */
export async function scorePredictions(
  predictions: readonly Prediction[],
  samples: readonly Sample[],
  rewards: readonly LoadedReward[],
  weights: readonly number[],
): Promise<{ rows: ScoredPrediction[]; said: string[] }> {
  predictions.forEach((p, i) => {
    if (samples[i]?.id !== p.id) {
      throw new Error(`prediction ${i} is for sample ${p.id} but sample ${i} is ${samples[i]?.id}`);
    }
  });
  const policy = rewards.find((r) => r.definition.needsPolicy);
  if (policy) {
    throw new Error(`reward "${policy.name}" needs the policy's second pass, which eval does not run`);
  }
  const ctx = rewardContext(new Notes());
  const scores = await scoreRewards(
    rewards,
    predictions.map((p) => p.completion),
    samples.map((s) => rewardSample(s, true)),
    ctx,
  );
  const totals = weightedTotal(scores, weights);
  const rows = predictions.map((p, i) => ({
    ...p,
    rewards: Object.fromEntries(rewards.map((r, f) => [r.name, scores[f][i]])),
    total: totals[i],
  }));
  return { rows, said: ctx.notes.take() };
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

function summaryOf(rows: readonly ScoredPrediction[], names: readonly string[]): ReportSummary {
  const ious = rows.flatMap((r) => (r.iou === undefined ? [] : [r.iou]));
  const rewards: Record<string, number | null> = {};
  for (const name of names) {
    const values = rows.flatMap((r) => (r.rewards[name] === null ? [] : [r.rewards[name] as number]));
    rewards[name] = values.length > 0 ? mean(values) : null;
  }
  return {
    n: rows.length,
    format_rate: mean(rows.map((r) => r.format)),
    accuracy: mean(rows.map((r) => r.accuracy)),
    reward: mean(rows.map((r) => r.total)),
    rewards,
    ...(ious.length > 0
      ? {
        mean_iou: mean(ious),
        iou_at_50: mean(ious.map((x) => (x >= IOU_HIT ? 1 : 0))),
        n_boxes: ious.length,
      }
      : {}),
  };
}

/** Per task, plus "all" when there is more than one task. */
export function summariseScored(
  rows: readonly ScoredPrediction[],
  names: readonly string[],
): Record<string, ReportSummary> {
  const groups = new Map<string, ScoredPrediction[]>();
  for (const r of rows) groups.set(r.task, [...(groups.get(r.task) ?? []), r]);
  if (groups.size > 1) groups.set("all", [...rows]);
  return Object.fromEntries([...groups].map(([task, rs]) => [task, summaryOf(rs, names)]));
}

/** The summary table's columns, for the text table here and the HTML report. */
export function summaryHeader(names: readonly string[]): string[] {
  return ["task", "n", "format rate", "accuracy", ...names, "reward", "mean IoU", "IoU@0.5"];
}

/** One task's row of the summary table, in summaryHeader()'s order. */
export function summaryCells(task: string, s: ReportSummary, names: readonly string[]): string[] {
  const pct = (x: number | undefined) => (x === undefined ? "-" : `${(100 * x).toFixed(1)} %`);
  const num = (x: number | null | undefined) => (x === null || x === undefined ? "-" : x.toFixed(3));
  return [
    task,
    String(s.n),
    pct(s.format_rate),
    pct(s.accuracy),
    ...names.map((n) => num(s.rewards[n])),
    num(s.reward),
    num(s.mean_iou),
    pct(s.iou_at_50),
  ];
}

/** The summaries as a plain-text table: one row per task, one column per reward. */
export function formatSummaryTable(summary: Record<string, ReportSummary>, names: readonly string[]): string {
  const header = summaryHeader(names);
  const rows = Object.entries(summary).map(([task, s]) => summaryCells(task, s, names));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export interface CompareCounts {
  n: number;
  both_right: number;
  only_a: number;
  only_b: number;
  both_wrong: number;
  /** Mean of B's total minus A's, sample by sample. */
  mean_reward_gain: number;
}

/** Sample-by-sample accuracy agreement of two scored runs over the same samples. */
export function compareRows(a: readonly ScoredPrediction[], b: readonly ScoredPrediction[]): CompareCounts {
  if (a.length !== b.length || a.some((r, i) => r.id !== b[i].id)) {
    throw new Error("compare: the two runs did not evaluate the same samples in the same order");
  }
  const right = (r: ScoredPrediction) => r.accuracy >= 1;
  const count = (f: (x: ScoredPrediction, y: ScoredPrediction) => boolean) =>
    a.filter((r, i) => f(r, b[i])).length;
  return {
    n: a.length,
    both_right: count((x, y) => right(x) && right(y)),
    only_a: count((x, y) => right(x) && !right(y)),
    only_b: count((x, y) => !right(x) && right(y)),
    both_wrong: count((x, y) => !right(x) && !right(y)),
    mean_reward_gain: mean(a.map((r, i) => b[i].total - r.total)),
  };
}
