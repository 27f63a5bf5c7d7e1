import type { EvalReport } from "../../workers/api.ts";

/** The eval summary as a plain-text table, one row per task and an "all" row. */
export function formatEvalTable(report: EvalReport, checkpoint: string, temperature: number): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  const rows = Object.entries(report.summary).map((
    [task, s],
  ) => [
    task,
    String(s.n),
    pct(s.format_rate),
    pct(s.accuracy),
    s.mean_iou === undefined ? "" : s.mean_iou.toFixed(3),
  ]);
  const header = ["task", "n", "format rate", "accuracy", "mean IoU"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [
    `eval of ${checkpoint} at temperature ${temperature}: ${report.n} samples, ${report.tokens} tokens in ` +
    `${report.seconds.toFixed(1)} s`,
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
  ].join("\n");
}
