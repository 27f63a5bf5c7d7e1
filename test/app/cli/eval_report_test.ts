/**
 * deno task eval on a data set's eval split with a reward set: the table, predictions, metrics and the
 * HTML report on disk; --compare of two checkpoints over the same samples.
 */
import { splitIndices } from "../../../core/data/datasets/split.ts";
import { assert, assertEquals } from "../../assert.ts";
import { countSample, writeCountJsonl } from "../../core/data/datasets/fixtures.ts";
import { cli } from "./run_cli.ts";

const readJsonl = async (path: string) =>
  (await Deno.readTextFile(path)).trim().split("\n").map((l) => JSON.parse(l));

const ARGS = [
  "--dataset",
  "data/data.jsonl",
  "image_folders=data/images",
  "test_ratio=0.5",
  "--rewards",
  "format,accuracy,length",
  "--weights",
  "1,2,1",
  "--n",
  "10",
  "max_completion_length=24",
  "--backend",
  "wasm",
];

Deno.test("eval on a data set's held-out split writes predictions, metrics and a report with every sample", async () => {
  const dir = await Deno.makeTempDir({ prefix: "grpo-lab-eval-" });
  await writeCountJsonl(8, `${dir}/data`);
  const r = await cli("eval.ts", [...ARGS, "--out", "ev"], dir);
  assertEquals(r.code, 0, r.stderr);
  assert(r.stderr.includes("eval: the data set holds 4 samples for eval (eval_n 10)"), r.stderr);
  const expectedIds = splitIndices(8, { seed: 0, testRatio: 0.5 }).test.map((i) => countSample(i).id);
  const predictions = await readJsonl(`${dir}/ev/predictions.jsonl`);
  assertEquals(predictions.map((p) => p.id), expectedIds);
  for (const p of predictions) {
    assertEquals(Object.keys(p.rewards), ["format", "accuracy", "length"]);
    assertEquals(p.total, Math.fround(p.rewards.format + 2 * p.rewards.accuracy + p.rewards.length));
  }
  const [metrics] = await readJsonl(`${dir}/ev/metrics.jsonl`);
  const s = metrics.summary.conversation;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  assertEquals(s.n, 4);
  assertEquals(s.accuracy, mean(predictions.map((p) => p.accuracy)));
  assertEquals(s.rewards.accuracy, mean(predictions.map((p) => p.rewards.accuracy)));
  const row = r.stdout.split("\n").find((l) => l.startsWith("conversation"))!.split(/\s{2,}/);
  assertEquals(row.slice(0, 4), [
    "conversation",
    "4",
    `${(100 * s.format_rate).toFixed(1)} %`,
    `${(100 * s.accuracy).toFixed(1)} %`,
  ]);
  const html = await Deno.readTextFile(`${dir}/ev/report.html`);
  assertEquals(html.split('<section class="sample"').length - 1, 4);
  for (const id of expectedIds) assert(html.includes(`id="${id}"`), id);
});

Deno.test("eval --compare A B runs both on the same samples with the same sampling seed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "grpo-lab-eval-" });
  await writeCountJsonl(8, `${dir}/data`);
  const shipped = "public/checkpoints/tiny-sft";
  const r = await cli("eval.ts", [...ARGS, "--compare", shipped, shipped, "--out", "cmp"], dir);
  assertEquals(r.code, 0, r.stderr);
  const rows = await readJsonl(`${dir}/cmp/compare.jsonl`);
  assertEquals(rows.length, 4);
  for (const row of rows) assertEquals(row.a.completion, row.b.completion);
  const right = rows.filter((row) => row.a.accuracy === 1).length;
  assert(
    r.stdout.includes(
      `A vs B, sample by sample: both right ${right}, only A 0, only B 0, both wrong ${4 - right}; ` +
        "mean reward gain (B - A) 0.000",
    ),
    r.stdout,
  );
  const metrics = await readJsonl(`${dir}/cmp/metrics.jsonl`);
  assertEquals(metrics.map((m) => m.run ?? "compare"), ["A", "B", "compare"]);
  const both = await cli("eval.ts", ["--checkpoint", shipped, "--compare", shipped, shipped], dir);
  assertEquals([both.code, both.stderr.trim()], [
    2,
    "error: give either --checkpoint or --compare A B, not both",
  ]);
  const one = await cli("eval.ts", ["--compare", shipped], dir);
  assertEquals([one.code, one.stderr.trim()], [2, "error: flag --compare needs 2 values: --compare A B"]);
});
