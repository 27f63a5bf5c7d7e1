/**
 * The run's metrics as files: JSONL (one object per step, as `deno task train` writes metrics.jsonl;
 * NaN becomes null) and CSV (one column per metric in first-seen order, step first; empty where a step
 * has no value). parseMetricsJsonl() reads either's JSONL back, for comparing runs.
 */
import type { Metrics } from "../../core/grpo/step_metrics.ts";

export function metricsJsonl(metrics: readonly Metrics[]): string {
  return metrics.map((m) => JSON.stringify(m) + "\n").join("");
}

/** A CSV field: quoted (with quotes doubled) when it holds a comma, a quote or a line break. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function metricsCsv(metrics: readonly Metrics[]): string {
  const columns = ["step"];
  for (const m of metrics) {
    for (const key of Object.keys(m)) if (!columns.includes(key)) columns.push(key);
  }
  const cell = (m: Metrics, key: string) => {
    const v = (m as Record<string, unknown>)[key];
    return typeof v === "number" && Number.isFinite(v) ? String(v) : "";
  };
  const lines = [
    columns.map(csvField).join(","),
    ...metrics.map((m) => columns.map((k) => cell(m, k)).join(",")),
  ];
  return lines.join("\n") + "\n";
}

/**
 * Metrics from JSONL text (the lab's export or a `deno task train` metrics.jsonl): one object with a
 * numeric step per non-blank line; null reads as NaN. A bad line is an error naming the source and line.
 */
export function parseMetricsJsonl(text: string, source: string): Metrics[] {
  const out: Metrics[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line, (_, v) => (v === null ? NaN : v));
    } catch {
      throw new Error(`${source}:${i + 1}: not JSON`);
    }
    const step = (value as { step?: unknown } | null)?.step;
    if (typeof value !== "object" || value === null || typeof step !== "number") {
      throw new Error(`${source}:${i + 1}: a metrics line needs a numeric "step"`);
    }
    out.push(value as Metrics);
  });
  if (out.length === 0) throw new Error(`${source}: no metrics lines`);
  return out;
}
