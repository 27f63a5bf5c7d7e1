/**
 * The eval report's pieces: scoring predictions with a real reward set, per-task summaries (IoU@0.5 from
 * the predictions' IoUs), A/B agreement, and the static HTML page with its embedded images and boxes.
 */
import { decodeImage } from "../../../core/data/datasets/images.ts";
import { makeSample } from "../../../core/data/registry.ts";
import type { Sample } from "../../../core/data/sample.ts";
import {
  compareRows,
  formatSummaryTable,
  type ScoredPrediction,
  scorePredictions,
  summariseScored,
} from "../../../core/eval/report.ts";
import { predictionOf } from "../../../core/eval/evaluate.ts";
import { reportHtml } from "../../../core/eval/report_html.ts";
import { iouReward } from "../../../core/rewards/iou.ts";
import { loadRewardSet } from "../../../core/rewards/reward_set.ts";
import type { Prediction } from "../../../core/eval/evaluate.ts";
import { assert, assertAlmostEquals, assertEquals, assertRejects } from "../../assert.ts";

const grounding = [0, 1, 2].map((i) => makeSample("grounding", 1_000_000, i));
const count = makeSample("count", 1_000_000, 0);
const box = (s: Sample) => JSON.parse(s.solution) as number[];
const shifted = (b: number[], d: number) => `[${b.map((x) => x + d).join(", ")}]`;

/** A prediction as evaluateSamples makes it, for a completion that was not cut off. */
const predict = (sample: Sample, completion: string): Prediction => predictionOf(sample, completion, false);

const completions = [
  `<think>It is here.</think><answer>${grounding[0].solution}</answer>`, // exact: IoU 1
  `<think>Near.</think><answer>${shifted(box(grounding[1]), 1)}</answer>`,
  "no answer at all",
  `<think>I count.</think><answer>${count.solution}</answer>`,
];
const samples = [...grounding, count];

async function scored(): Promise<ScoredPrediction[]> {
  const rewards = await loadRewardSet({
    reward_funcs: ["format", "accuracy", "iou"],
    reward_options: {},
    custom_rewards: {},
  }, new URL("file:///"));
  const { rows } = await scorePredictions(
    samples.map((s, i) => predict(s, completions[i])),
    samples,
    rewards,
    [0.5, 1, 2],
  );
  return rows;
}

Deno.test("scorePredictions() scores every row with the reward set and weighs the total", async () => {
  const rows = await scored();
  const iou1 = iouReward(completions[1], grounding[1])!;
  assert(iou1 > 0.5 && iou1 < 1, `shifted box IoU ${iou1}`);
  assertEquals(rows.map((r) => r.rewards), [
    { format: 1, accuracy: 1, iou: 1 },
    { format: 1, accuracy: 1, iou: iou1 },
    { format: 0, accuracy: 0, iou: 0 },
    { format: 1, accuracy: 1, iou: null },
  ]);
  assertEquals(rows.map((r) => r.total), [3.5, Math.fround(1.5 + 2 * iou1), 0, 1.5]);
});

Deno.test("summariseScored() gives per-task means, nulls left out, mean IoU and IoU@0.5 over box rows", async () => {
  const rows = await scored();
  const iou1 = iouReward(completions[1], grounding[1])!;
  const summary = summariseScored(rows, ["format", "accuracy", "iou"]);
  assertEquals(Object.keys(summary), ["grounding", "count", "all"]);
  assertEquals(summary.count.rewards, { format: 1, accuracy: 1, iou: null });
  assertEquals(summary.count.mean_iou, undefined);
  const g = summary.grounding;
  assertEquals([g.n, g.n_boxes, g.iou_at_50], [3, 3, 2 / 3]);
  assertAlmostEquals(g.mean_iou!, (1 + iou1) / 3, 1e-12);
  assertAlmostEquals(g.format_rate, 2 / 3, 1e-12);
  assertAlmostEquals(summary.all.rewards.iou!, (1 + iou1) / 3, 1e-12); // the count row's null is left out
  assertAlmostEquals(summary.all.reward, (3.5 + Math.fround(1.5 + 2 * iou1) + 1.5) / 4, 1e-6);
  const table = formatSummaryTable(summary, ["format", "accuracy", "iou"]).split("\n");
  assertEquals(table[0].split(/\s{2,}/), [
    "task",
    "n",
    "format rate",
    "accuracy",
    "format",
    "accuracy",
    "iou",
    "reward",
    "mean IoU",
    "IoU@0.5",
  ]);
  assertEquals(table[3].split(/\s{2,}/), [
    "count",
    "1",
    "100.0 %",
    "100.0 %",
    "1.000",
    "1.000",
    "-",
    "1.500",
    "-",
    "-",
  ]);
});

Deno.test("scorePredictions() refuses predictions for other samples and rewards that need the policy", async () => {
  const rewards = await loadRewardSet(
    { reward_funcs: ["format"], reward_options: {}, custom_rewards: {} },
    new URL("file:///"),
  );
  await assertRejects(
    () => scorePredictions([predict(count, "x")], [grounding[0]], rewards, [1]),
    Error,
    `prediction 0 is for sample ${count.id} but sample 0 is ${grounding[0].id}`,
  );
  const blind = await loadRewardSet(
    { reward_funcs: ["blindfold"], reward_options: {}, custom_rewards: {} },
    new URL("file:///"),
  );
  await assertRejects(
    () => scorePredictions([], [], blind, [1]),
    Error,
    `reward "blindfold" needs the policy's second pass`,
  );
});

Deno.test("compareRows() counts accuracy agreement sample by sample", async () => {
  const a = await scored();
  const b = a.map((r, i) => ({
    ...r,
    accuracy: i % 2 === 0 ? 1 - r.accuracy : r.accuracy,
    total: r.total + 1,
  }));
  assertEquals(compareRows(a, b), {
    n: 4,
    both_right: 2,
    only_a: 1,
    only_b: 1,
    both_wrong: 0,
    mean_reward_gain: 1,
  });
  let message = "";
  try {
    compareRows(a, b.slice(1));
  } catch (e) {
    message = (e as Error).message;
  }
  assertEquals(message, "compare: the two runs did not evaluate the same samples in the same order");
});

Deno.test("reportHtml() embeds each image with truth and predicted boxes, escapes text, needs no other file", async () => {
  const rows = await scored();
  const names = ["format", "accuracy", "iou"];
  const html = await reportHtml({
    title: "t <1>",
    about: ["about"],
    names,
    samples,
    runs: [{ label: "A: ckpt", rows, summary: summariseScored(rows, names) }],
    coordinates: "pixels",
  });
  assert(!/<script|src=|<link/i.test(html), "the report must not load anything");
  assert(html.includes("<title>t &lt;1&gt;</title>"));
  assert(html.includes("&lt;think&gt;It is here.&lt;/think&gt;"), "completions are escaped");
  const sections = html.split('<section class="sample"').slice(1);
  assertEquals(sections.length, 4);
  const [x1, y1, x2, y2] = box(grounding[1]);
  const rect = (cls: string, b: number[]) =>
    `<rect class="${cls}" x="${b[0]}" y="${b[1]}" width="${b[2] - b[0]}" height="${b[3] - b[1]}"`;
  assert(sections[1].includes(rect("truth", [x1, y1, x2, y2])), "truth box");
  assert(sections[1].includes(rect("pred run-0", [x1 + 1, y1 + 1, x2 + 1, y2 + 1])), "predicted box");
  assert(!sections[2].includes('class="pred'), "no box predicted, none drawn");
  for (const [i, section] of sections.entries()) {
    const data = /href="data:image\/png;base64,([^"]+)"/.exec(section)![1];
    const png = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const image = await decodeImage(png, `section ${i}`);
    assertEquals([image.width, image.height], [samples[i].image.width, samples[i].image.height]);
    assertEquals(image.pixels, samples[i].image.pixels);
  }
});

Deno.test("reportHtml() embeds a large image at most 320 pixels wide, boxes kept in its own pixels", async () => {
  const big: Sample = {
    ...grounding[0],
    id: "big",
    image: { width: 640, height: 480, pixels: new Uint8Array(640 * 480 * 3).fill(200) },
    solution: "[100, 50, 300, 250]",
    meta: {},
  };
  const rows: ScoredPrediction[] = [{
    ...predict(big, "<answer>[110, 60, 310, 260]</answer>"),
    rewards: {},
    total: 0,
  }];
  const html = await reportHtml({
    title: "t",
    about: [],
    names: [],
    samples: [big],
    runs: [{ label: "A", rows, summary: summariseScored(rows, []) }],
    coordinates: "pixels",
  });
  assert(html.includes('<svg width="320" height="240" viewBox="0 0 640 480">'), "svg size");
  assert(html.includes('<rect class="truth" x="100" y="50" width="200" height="200"'), "truth box");
  assert(html.includes('<rect class="pred run-0" x="110" y="60" width="200" height="200"'), "predicted box");
  const data = /href="data:image\/png;base64,([^"]+)"/.exec(html)![1];
  const image = await decodeImage(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)), "embedded");
  assertEquals([image.width, image.height, image.pixels[0]], [320, 240, 200]);
});
