import { assertEquals } from "../../assert.ts";
import {
  chartData,
  chartSpecs,
  finitePointCount,
  metricValue,
  STEP_TIME_KEY,
} from "../../../app/web/metrics_series.ts";
import type { Metrics } from "../../../core/grpo/step_metrics.ts";

const records: Metrics[] = [
  {
    step: 1,
    reward: 0.5,
    reward_std: 0.25,
    "rewards/format/mean": 1,
    "rewards/format/std": 0,
    kl: NaN,
    "completions/mean_length": 20,
    "completions/min_length": 18,
    "completions/max_length": 24,
    [STEP_TIME_KEY]: 0.3,
  },
  {
    step: 2,
    reward: 0.75,
    reward_std: 0.5,
    "rewards/format/mean": 0.5,
    "rewards/format/std": 0.5,
    kl: NaN,
    "completions/mean_length": 22,
    "completions/min_length": 20,
    "completions/max_length": 23,
    [STEP_TIME_KEY]: 0.25,
  },
];

Deno.test("chartSpecs() lists the charts in page order, one reward series per function", () => {
  const specs = chartSpecs(["format", "accuracy"]);
  assertEquals(specs.map((s) => s.id), ["reward", "rewards", "kl", "loss", "length", "clip", "time"]);
  assertEquals(specs[1].series.map((s) => [s.key, s.band]), [
    ["rewards/format/mean", { std: "rewards/format/std" }],
    ["rewards/accuracy/mean", { std: "rewards/accuracy/std" }],
  ]);
});

Deno.test("chartData() reads lines and bands from the records; missing metrics are NaN", () => {
  const [reward, rewards, kl, loss, length, , time] = chartSpecs(["format"]).map((s) =>
    chartData(s, records)
  );
  assertEquals(reward.series[0].points, [[1, 0.5], [2, 0.75]]);
  assertEquals(reward.series[0].band, [[1, 0.25, 0.75], [2, 0.25, 1.25]]);
  assertEquals(rewards.series[0].band, [[1, 1, 1], [2, 0, 1]]);
  assertEquals(length.series[0].band, [[1, 18, 24], [2, 20, 23]]);
  assertEquals(time.series[0].points, [[1, 0.3], [2, 0.25]]);
  assertEquals(finitePointCount(reward), 2);
  // kl is NaN with beta = 0 and loss is absent here: no finite point, the chart says why instead.
  assertEquals(finitePointCount(kl), 0);
  assertEquals(finitePointCount(loss), 0);
  assertEquals(kl.empty, "no KL: beta = 0 keeps no reference model");
  assertEquals(chartData(chartSpecs(["format"])[2], []).empty, "no steps yet");
});

Deno.test("metricValue() is NaN for null (JSON's NaN) and absent keys", () => {
  const m = JSON.parse('{"step": 1, "kl": null, "loss": 0.5}') as Metrics;
  assertEquals([metricValue(m, "kl"), metricValue(m, "loss"), metricValue(m, "nope")], [NaN, 0.5, NaN]);
});

Deno.test("chartData() with a compared run adds each series again from that run, after the run's own", () => {
  const other: Metrics[] = [{ step: 1, reward: 0.1, reward_std: 0.1 }, {
    step: 2,
    reward: 0.2,
    reward_std: 0,
  }];
  const data = chartData(chartSpecs(["format"])[0], records, { label: "run 1", metrics: other });
  assertEquals(data.series.map((s) => [s.label, s.compared]), [["reward", undefined], ["reward (run 1)", {
    of: 0,
  }]]);
  assertEquals(data.series[1].points, [[1, 0.1], [2, 0.2]]);
  assertEquals(data.series[1].band, []);
  assertEquals(finitePointCount(data), 2);
});
