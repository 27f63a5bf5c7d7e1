/**
 * Which charts the lab draws and how each series is read from the step records. Pure: the chart element
 * only draws what chartData() returns.
 */
import type { BandPoint, Point } from "./chart_math.ts";
import { meanStdBand } from "./chart_math.ts";
import type { Metrics } from "../../core/grpo/step_metrics.ts";

/** A series: a metric key; its band from a std key (mean ± std) or from lower and upper keys. */
export interface SeriesSpec {
  key: string;
  label: string;
  band?: { std: string } | { lo: string; hi: string };
}

export interface ChartSpec {
  id: string;
  title: string;
  series: SeriesSpec[];
  /** Shown instead of the plot when steps have no finite value (e.g. kl with beta = 0). */
  empty: string;
}

export interface SeriesData {
  label: string;
  points: Point[];
  band: BandPoint[];
  /** A compared run's series: drawn dashed in the colour of series `of`. */
  compared?: { of: number };
}

/** Another run's metrics, overlaid on the charts. */
export interface ComparedRun {
  label: string;
  metrics: readonly Metrics[];
}

export interface ChartData {
  id: string;
  title: string;
  series: SeriesData[];
  empty: string;
}

/** The page's measure of a step: the wall time of the grpoStep() call, seen from the page. */
export const STEP_TIME_KEY = "time/step_s";

/** The lab's charts for a run with these reward functions, in page order. */
export function chartSpecs(rewardFuncs: readonly string[]): ChartSpec[] {
  return [
    {
      id: "reward",
      title: "total reward (mean ± group std)",
      series: [{ key: "reward", label: "reward", band: { std: "reward_std" } }],
      empty: "no reward yet",
    },
    {
      id: "rewards",
      title: "reward functions (mean ± std)",
      series: rewardFuncs.map((name) => ({
        key: `rewards/${name}/mean`,
        label: name,
        band: { std: `rewards/${name}/std` },
      })),
      empty: "no reward function is on",
    },
    {
      id: "kl",
      title: "KL to the reference",
      series: [{ key: "kl", label: "kl" }],
      empty: "no KL: beta = 0 keeps no reference model",
    },
    { id: "loss", title: "loss", series: [{ key: "loss", label: "loss" }], empty: "no loss yet" },
    {
      id: "length",
      title: "completion length (tokens; band: min to max)",
      series: [{
        key: "completions/mean_length",
        label: "mean",
        band: { lo: "completions/min_length", hi: "completions/max_length" },
      }],
      empty: "no completions yet",
    },
    {
      id: "clip",
      title: "clip ratio",
      series: [
        { key: "clip_ratio/region_mean", label: "region" },
        { key: "clip_ratio/low_mean", label: "low" },
        { key: "clip_ratio/high_mean", label: "high" },
      ],
      empty: "no updates yet",
    },
    {
      id: "time",
      title: "step time (s)",
      series: [
        { key: STEP_TIME_KEY, label: "step" },
        { key: "time/rollout_s", label: "rollout" },
        { key: "time/update_s", label: "update" },
      ],
      empty: "no steps yet",
    },
  ];
}

/** A metric's value, NaN when absent or null (JSON's NaN). */
export function metricValue(m: Metrics, key: string): number {
  const v = (m as Record<string, unknown>)[key];
  return typeof v === "number" ? v : NaN;
}

/** The points of one series over the records, x = step. */
export function seriesPoints(records: readonly Metrics[], key: string): Point[] {
  return records.map((m) => [m.step, metricValue(m, key)] as const);
}

/** A chart's series from the records; with `compare`, each series again from that run, after them. */
export function chartData(spec: ChartSpec, records: readonly Metrics[], compare?: ComparedRun): ChartData {
  const compared: SeriesData[] = compare
    ? spec.series.map((s, i) => ({
      label: `${s.label} (${compare.label})`,
      points: seriesPoints(compare.metrics, s.key),
      band: [],
      compared: { of: i },
    }))
    : [];
  return {
    id: spec.id,
    title: spec.title,
    // Before the first step every chart is empty for the same reason.
    empty: records.length === 0 ? "no steps yet" : spec.empty,
    series: [
      ...spec.series.map((s) => {
        const points = seriesPoints(records, s.key);
        let band: BandPoint[] = [];
        if (s.band && "std" in s.band) band = meanStdBand(points, seriesPoints(records, s.band.std));
        else if (s.band) {
          const { lo, hi } = s.band;
          band = records.map((m) => [m.step, metricValue(m, lo), metricValue(m, hi)] as const);
        }
        return { label: s.label, points, band };
      }),
      ...compared,
    ],
  };
}

/** How many steps of a chart have a finite value in its first series (what the e2e test counts). */
export function finitePointCount(data: ChartData): number {
  return data.series[0]?.points.filter(([, y]) => Number.isFinite(y)).length ?? 0;
}
