/**
 * The evaluation report as one static HTML file that opens from disk: no script, no external file. Each
 * sample's image is embedded as a PNG data URL inside an SVG, with the ground-truth boxes (black; the
 * task's target boxes dashed) and each run's predicted boxes drawn over it, beside the prompt, solution,
 * completion and rewards. With two runs (--compare) their completions sit side by side.
 */
import { resizeArea } from "../data/image.ts";
import { encodePng } from "../data/png.ts";
import type { Box, Sample } from "../data/sample.ts";
import { extractAnswer } from "../rewards/answer.ts";
import { type Coordinates, inPixels, parseBoxes } from "../rewards/boxes.ts";
import {
  type CompareCounts,
  type ReportSummary,
  type ScoredPrediction,
  summaryCells,
  summaryHeader,
} from "./report.ts";

/** Embedded images are at most this many pixels on their long side (boxes keep full-size coordinates). */
const MAX_EMBED_SIDE = 320;
/** Small images are shown at least this wide (pixelated), so a 56-pixel scene is readable. */
const MIN_SHOWN_WIDTH = 224;
/** One colour per run (A, B) and the ground truth's: none of them a colour the synthetic scenes use. */
const RUN_COLOURS = ["#ff00ff", "#00bcd4"];
const TRUTH_COLOUR = "#000000";

export interface ReportRun {
  label: string;
  rows: readonly ScoredPrediction[];
  summary: Record<string, ReportSummary>;
}

export interface ReportInput {
  title: string;
  /** Lines under the title: the data, the settings. */
  about: readonly string[];
  names: readonly string[];
  samples: readonly Sample[];
  runs: readonly ReportRun[];
  compare?: CompareCounts;
  /** How box numbers in completions are read (the iou reward's option). */
  coordinates: Coordinates;
}

export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll(
    '"',
    "&quot;",
  );
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Boxes found in `text`, in pixels of a width x height image. */
export function boxesIn(text: string, size: [number, number], coordinates: Coordinates): Box[] {
  return parseBoxes(text, coordinates).flatMap((f) => {
    const b = inPixels(f, size);
    return b ? [b] : [];
  });
}

/** The task's own boxes (meta.boxes of the synthetic tasks), when it has them. */
function metaBoxes(sample: Sample): Box[] {
  const boxes = sample.meta.boxes;
  if (!Array.isArray(boxes)) return [];
  return boxes.filter((b): b is Box => Array.isArray(b) && b.length === 4 && b.every(Number.isFinite));
}

function rect(box: Box, colour: string, cls: string, dashed = false): string {
  const [x1, y1, x2, y2] = box;
  return `<rect class="${cls}" x="${x1}" y="${y1}" width="${Math.max(0, x2 - x1)}" height="${
    Math.max(0, y2 - y1)
  }" fill="none" stroke="${colour}" stroke-width="${dashed ? 1 : 2}" vector-effect="non-scaling-stroke"${
    dashed ? ' stroke-dasharray="4 3"' : ""
  }/>`;
}

/** The sample's image with the boxes over it, as inline SVG. */
async function figure(sample: Sample, runs: readonly ReportRun[], i: number, coordinates: Coordinates) {
  const { width: w, height: h } = sample.image;
  const scale = Math.min(1, MAX_EMBED_SIDE / Math.max(w, h));
  const small = scale < 1
    ? resizeArea(sample.image, Math.max(1, Math.round(w * scale)), Math.max(1, Math.round(h * scale)))
    : sample.image;
  const png = await encodePng(small);
  const shown = Math.max(MIN_SHOWN_WIDTH, Math.min(w, MAX_EMBED_SIDE));
  const shapes = [
    ...metaBoxes(sample).map((b) => rect(b, TRUTH_COLOUR, "target", true)),
    ...boxesIn(sample.solution, [w, h], coordinates).map((b) => rect(b, TRUTH_COLOUR, "truth")),
    ...runs.flatMap((run, r) =>
      boxesIn(extractAnswer(run.rows[i].completion) ?? run.rows[i].completion, [w, h], coordinates)
        .map((b) => rect(b, RUN_COLOURS[r % RUN_COLOURS.length], `pred run-${r}`))
    ),
  ];
  return `<svg width="${shown}" height="${Math.round((shown * h) / w)}" viewBox="0 0 ${w} ${h}">` +
    `<image width="${w}" height="${h}" preserveAspectRatio="none" style="image-rendering:pixelated" ` +
    `href="data:image/png;base64,${base64(png)}"/>${shapes.join("")}</svg>`;
}

const num = (x: number | null | undefined) => (x === null || x === undefined ? "-" : x.toFixed(3));

function summaryTable(runs: readonly ReportRun[], names: readonly string[]): string {
  const head = ["run", ...summaryHeader(names)];
  const body = runs.flatMap((run) =>
    Object.entries(run.summary).map(([task, s]) => [run.label, ...summaryCells(task, s, names)])
  );
  const cells = (tag: string, row: string[]) =>
    `<tr>${row.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join("")}</tr>`;
  return `<table class="summary">${cells("th", head)}${body.map((r) => cells("td", r)).join("")}</table>`;
}

function runCell(run: ReportRun, i: number, r: number, names: readonly string[]): string {
  const row = run.rows[i];
  const rewards = names.map((n) => `<tr><td>${escapeHtml(n)}</td><td>${num(row.rewards[n])}</td></tr>`).join(
    "",
  );
  return `<div class="run" style="border-color:${RUN_COLOURS[r % RUN_COLOURS.length]}">` +
    `<div class="label">${escapeHtml(run.label)}</div>` +
    `<pre class="completion">${escapeHtml(row.completion)}</pre>` +
    `<table class="rewards">` +
    (names.includes("format") ? "" : `<tr><td>format</td><td>${num(row.format)}</td></tr>`) +
    (names.includes("accuracy") ? "" : `<tr><td>accuracy</td><td>${num(row.accuracy)}</td></tr>`) +
    (row.iou === undefined || names.includes("iou") ? "" : `<tr><td>IoU</td><td>${num(row.iou)}</td></tr>`) +
    `${rewards}<tr class="total"><td>total</td><td>${num(row.total)}</td></tr></table>` +
    (row.truncated ? `<div class="note">cut off at max_completion_length</div>` : "") +
    `</div>`;
}

/** The whole report page. */
export async function reportHtml(input: ReportInput): Promise<string> {
  const { samples, runs, names } = input;
  const items: string[] = [];
  for (const [i, sample] of samples.entries()) {
    items.push(
      `<section class="sample" id="${escapeHtml(sample.id)}"><div class="figure">` +
        `${await figure(sample, runs, i, input.coordinates)}</div><div class="text">` +
        `<h2>${escapeHtml(sample.id)} <span class="task">${escapeHtml(sample.task)}</span></h2>` +
        `<p class="prompt">${escapeHtml(sample.prompt)}</p>` +
        `<p>solution: <code class="solution">${escapeHtml(sample.solution)}</code></p>` +
        `<div class="runs">${runs.map((run, r) => runCell(run, i, r, names)).join("")}</div></div></section>`,
    );
  }
  const c = input.compare;
  const compare = c
    ? `<p class="compare">accuracy, sample by sample: both right ${c.both_right}, only A ${c.only_a}, only B ` +
      `${c.only_b}, both wrong ${c.both_wrong}; mean reward gain (B - A) ${num(c.mean_reward_gain)}</p>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(input.title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}
svg{border:1px solid #999}
.sample{display:flex;gap:1.2em;padding:1em 0;border-top:1px solid #ccc}
.sample h2{font-size:15px;margin:0 0 .3em}.task{color:#777;font-weight:normal}
.runs{display:flex;gap:1em}.run{flex:1;border-left:4px solid;padding-left:.6em;min-width:14em;max-width:40em}
.label{font-weight:bold}pre{white-space:pre-wrap;background:#f6f6f6;padding:.4em;margin:.3em 0}
.total td{font-weight:bold}.note{color:#a00}
</style></head><body>
<h1>${escapeHtml(input.title)}</h1>
${input.about.map((l) => `<p class="about">${escapeHtml(l)}</p>`).join("\n")}
<p>Black: ground truth (dashed: the task's target boxes); ${
    runs.map((r, k) =>
      `<span style="color:${RUN_COLOURS[k % RUN_COLOURS.length]}">${escapeHtml(r.label)}</span>`
    )
      .join(", ")
  }: predicted boxes.</p>
${summaryTable(runs, names)}
${compare}
${items.join("\n")}
</body></html>
`;
}
