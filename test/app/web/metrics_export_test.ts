import { assertEquals, assertThrows } from "../../assert.ts";
import { csvField, metricsCsv, metricsJsonl, parseMetricsJsonl } from "../../../app/web/metrics_export.ts";
import type { Metrics } from "../../../core/grpo/step_metrics.ts";

const metrics: Metrics[] = [
  { step: 1, reward: 0.5, kl: NaN },
  { step: 2, reward: 0.75, kl: 0.01, "rewards/format/mean": 1 },
];

Deno.test("metricsJsonl() writes one object per line, NaN as null", () => {
  assertEquals(
    metricsJsonl(metrics),
    '{"step":1,"reward":0.5,"kl":null}\n{"step":2,"reward":0.75,"kl":0.01,"rewards/format/mean":1}\n',
  );
  assertEquals(metricsJsonl([]), "");
});

Deno.test("metricsCsv() has a column per metric, step first, empty cells for missing values", () => {
  assertEquals(
    metricsCsv(metrics),
    "step,reward,kl,rewards/format/mean\n1,0.5,,\n2,0.75,0.01,1\n",
  );
  assertEquals(metricsCsv([]), "step\n");
});

Deno.test("csvField() quotes commas, quotes and line breaks", () => {
  assertEquals([csvField("a"), csvField("a,b"), csvField('say "x"'), csvField("a\nb")], [
    "a",
    '"a,b"',
    '"say ""x"""',
    '"a\nb"',
  ]);
});

Deno.test("parseMetricsJsonl() reads the export back, null as NaN, blank lines skipped", () => {
  assertEquals(parseMetricsJsonl(metricsJsonl(metrics) + "\n", "m.jsonl"), metrics);
});

Deno.test("parseMetricsJsonl() names the source and line of a bad line", () => {
  assertThrows(() => parseMetricsJsonl('{"step":1}\n{oops', "m.jsonl"), Error, "m.jsonl:2: not JSON");
  assertThrows(
    () => parseMetricsJsonl('{"reward":1}', "m.jsonl"),
    Error,
    'm.jsonl:1: a metrics line needs a numeric "step"',
  );
  assertThrows(
    () => parseMetricsJsonl("[1]", "m.jsonl"),
    Error,
    'm.jsonl:1: a metrics line needs a numeric "step"',
  );
  assertThrows(() => parseMetricsJsonl("\n\n", "e.jsonl"), Error, "e.jsonl: no metrics lines");
});
