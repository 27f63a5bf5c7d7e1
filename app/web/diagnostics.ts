/**
 * Warnings about a GRPO run, each with its evidence: the format reward rising while accuracy stays flat
 * (the policy learns the tags, not the task), reward correlating with completion length (a length hack),
 * most groups with zero reward variance (no learning signal: every advantage is 0), and KL past a
 * threshold (the policy drifting from the reference). Pure functions of the step records.
 */
import type { GroupLog, Metrics } from "../../core/grpo/step_metrics.ts";
import { metricValue } from "./metrics_series.ts";

export interface Diagnostic {
  id: "format-not-accuracy" | "reward-length" | "zero-std" | "kl";
  title: string;
  evidence: string;
  advice: string;
}

export interface DiagnosticOptions {
  /** Steps averaged at each end of the run. */
  window: number;
  /** A rise of the format reward (mean of the last window minus the first) that counts. */
  formatRise: number;
  /** An accuracy change below this is "flat". */
  accuracyFlat: number;
  /** |Pearson r| between completion length and total reward that warns. */
  lengthCorrelation: number;
  /** Completions needed before the correlation is trusted. */
  minCompletions: number;
  /** Mean share of zero-std groups over the last window that warns. */
  zeroStdShare: number;
  /** KL (the latest step's) that warns. */
  klThreshold: number;
}

export const DEFAULT_DIAGNOSTICS: DiagnosticOptions = {
  window: 5,
  formatRise: 0.1,
  accuracyFlat: 0.02,
  lengthCorrelation: 0.5,
  minCompletions: 16,
  zeroStdShare: 0.5,
  klThreshold: 0.1,
};

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const f2 = (x: number) => x.toFixed(2);

/** Means of a metric over the first and the last `window` steps (fewer when the run is short), or null. */
function ends(metrics: readonly Metrics[], key: string, window: number): [number, number] | null {
  const w = Math.min(window, Math.floor(metrics.length / 2));
  if (w < 1) return null;
  const first = metrics.slice(0, w).map((m) => metricValue(m, key));
  const last = metrics.slice(-w).map((m) => metricValue(m, key));
  if (![...first, ...last].every(Number.isFinite)) return null;
  return [mean(first), mean(last)];
}

export function formatWithoutAccuracy(
  metrics: readonly Metrics[],
  o: DiagnosticOptions = DEFAULT_DIAGNOSTICS,
): Diagnostic | null {
  const format = ends(metrics, "rewards/format/mean", o.window);
  const accuracy = ends(metrics, "rewards/accuracy/mean", o.window);
  if (!format || !accuracy) return null;
  const rise = format[1] - format[0], change = accuracy[1] - accuracy[0];
  if (rise < o.formatRise || Math.abs(change) >= o.accuracyFlat) return null;
  const w = Math.min(o.window, Math.floor(metrics.length / 2));
  return {
    id: "format-not-accuracy",
    title: "format reward rising while accuracy stays flat",
    evidence:
      `format ${f2(format[0])} -> ${f2(format[1])}, accuracy ${f2(accuracy[0])} -> ${f2(accuracy[1])} ` +
      `(first ${w} vs last ${w} steps)`,
    advice: "the policy is learning the tags, not the task: lower the format weight or raise accuracy's",
  };
}

/** Pearson's r of two equal-length series; NaN when either has no spread. */
export function pearson(xs: readonly number[], ys: readonly number[]): number {
  const mx = mean([...xs]), my = mean([...ys]);
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** Completion length (characters) against total reward over the last `window` steps' groups. */
export function rewardLengthCorrelation(
  steps: readonly { step: number; groups: readonly GroupLog[] }[],
  o: DiagnosticOptions = DEFAULT_DIAGNOSTICS,
): Diagnostic | null {
  const recent = steps.slice(-o.window);
  const completions = recent.flatMap((s) => s.groups.flatMap((g) => g.completions));
  if (completions.length < o.minCompletions) return null;
  const r = pearson(completions.map((c) => c.text.length), completions.map((c) => c.reward));
  if (!Number.isFinite(r) || Math.abs(r) < o.lengthCorrelation) return null;
  return {
    id: "reward-length",
    title: `reward ${r > 0 ? "grows" : "falls"} with completion length`,
    evidence: `Pearson r = ${f2(r)} over ${completions.length} completions of steps ` +
      `${recent[0].step}-${recent.at(-1)!.step}`,
    advice: r > 0
      ? "longer is being rewarded for its own sake: add the length reward or check a reward for a length bias"
      : "shorter completions win: check that truncated completions are not rewarded",
  };
}

export function zeroStdGroups(
  metrics: readonly Metrics[],
  o: DiagnosticOptions = DEFAULT_DIAGNOSTICS,
): Diagnostic | null {
  const recent = metrics.slice(-o.window).map((m) => metricValue(m, "frac_reward_zero_std"));
  if (recent.length === 0 || !recent.every(Number.isFinite)) return null;
  const share = mean(recent);
  if (share < o.zeroStdShare) return null;
  return {
    id: "zero-std",
    title: "most groups have zero reward variance: no learning signal",
    evidence: `${Math.round(share * 100)} % of groups had equal rewards over the last ${recent.length} steps`,
    advice: "every completion of such a group gets advantage 0: raise temperature or num_generations, " +
      "or add a graded reward (format_partial, iou)",
  };
}

export function klPastThreshold(
  metrics: readonly Metrics[],
  o: DiagnosticOptions = DEFAULT_DIAGNOSTICS,
): Diagnostic | null {
  const last = metrics.at(-1);
  if (!last) return null;
  const kl = metricValue(last, "kl");
  if (!Number.isFinite(kl) || kl <= o.klThreshold) return null;
  return {
    id: "kl",
    title: `KL past ${o.klThreshold}`,
    evidence: `kl = ${kl.toPrecision(3)} at step ${last.step}`,
    advice: "the policy is drifting from the reference: raise beta or lower the learning rate",
  };
}

/** Every warning that applies, in a fixed order. */
export function diagnose(
  steps: readonly { metrics: Metrics; groups: readonly GroupLog[] }[],
  o: DiagnosticOptions = DEFAULT_DIAGNOSTICS,
): Diagnostic[] {
  const metrics = steps.map((s) => s.metrics);
  return [
    formatWithoutAccuracy(metrics, o),
    rewardLengthCorrelation(steps.map((s) => ({ step: s.metrics.step, groups: s.groups })), o),
    zeroStdGroups(metrics, o),
    klPastThreshold(metrics, o),
  ].filter((d): d is Diagnostic => d !== null);
}
