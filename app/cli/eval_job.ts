/**
 * deno task eval's job: generate for the held-out samples (a data set's eval split, or synthetic scenes)
 * in the trainer worker, score the completions with the run's reward set here, and write
 * DIR/predictions.jsonl, DIR/metrics.jsonl and DIR/report.html. With two checkpoints (--compare A B) both
 * run on the same samples with the same sampling seed and the report puts them side by side.
 */
import * as Comlink from "comlink";
import type { RunConfig } from "../../core/config/mod.ts";
import { openRunDataset } from "../../core/data/datasets/run_data.ts";
import { urlFiles } from "../../core/data/datasets/files.ts";
import { makeSample, splitSeed } from "../../core/data/registry.ts";
import type { Sample } from "../../core/data/sample.ts";
import {
  compareRows,
  formatSummaryTable,
  type ReportSummary,
  type ScoredPrediction,
  scorePredictions,
  summariseScored,
} from "../../core/eval/report.ts";
import { reportHtml, type ReportRun } from "../../core/eval/report_html.ts";
import { checkCoordinates } from "../../core/rewards/boxes.ts";
import {
  absoluteSpec,
  closeRewards,
  loadRewardSet,
  rewardNotes,
  rewardSpecOf,
} from "../../core/rewards/reward_set.ts";
import { cwdUrl } from "../../core/rewards/scorer.ts";
import { loadTextPipeline } from "../../core/text/pipeline.ts";
import { taskOf } from "../../core/train/session.ts";
import type { EvalReport } from "../../core/eval/evaluate.ts";
import { prepareOutFolder, writeOutFile } from "./out_folder.ts";
import { Progress } from "./progress.ts";
import { DENO_ASSETS, readCheckpoint, SHIPPED_CHECKPOINT, startTrainer } from "./trainer_client.ts";
import { openCustomReward } from "../../workers/custom_reward.ts";

/** Generates one completion per eval sample with the checkpoint at `path`, in a trainer worker. */
async function generateWith(config: RunConfig, path: string, label: string, n: number): Promise<EvalReport> {
  const trainer = startTrainer();
  try {
    const info = await trainer.api.init(config, DENO_ASSETS, await readCheckpoint(path));
    console.error(label ? `${label}: ${info.backendNote}` : info.backendNote);
    for (const note of info.notes) console.error(note);
    const progress = new Progress({ total: n, label: label ? `eval ${label}` : "eval", unit: "sample" });
    const report = await trainer.api.evaluate(
      {
        task: config.task,
        n: config.eval_n,
        seed: config.seed,
        batchSize: config.per_device_train_batch_size,
      },
      Comlink.proxy((done: number) => progress.update(done)),
    );
    progress.finish();
    for (const line of report.said) console.error(line);
    if (report.n !== n) throw new Error(`eval: the trainer evaluated ${report.n} samples, expected ${n}`);
    return report;
  } finally {
    await trainer.close();
  }
}

/** The samples the worker evaluated, rebuilt here (same split, same order) for scoring and the report. */
async function evalSamples(config: RunConfig, vocabIds?: number[]): Promise<Sample[]> {
  if (!config.dataset) {
    return Array.from(
      { length: config.eval_n },
      (_, i) => makeSample(taskOf(config.task, i), splitSeed("eval", config.seed), i),
    );
  }
  const text = await loadTextPipeline({ modelBase: new URL("models/", DENO_ASSETS.publicBase) });
  const data = await openRunDataset(config, text, urlFiles(cwdUrl()), vocabIds);
  const n = Math.min(config.eval_n, data.eval.length);
  if (n < config.eval_n) {
    console.error(`eval: the data set holds ${n} samples for eval (eval_n ${config.eval_n})`);
  }
  return await Promise.all(Array.from({ length: n }, (_, i) => data.sample("eval", i)));
}

export interface EvalRun {
  checkpoint: string;
  rows: ScoredPrediction[];
  summary: Record<string, ReportSummary>;
}

const jsonl = (rows: readonly unknown[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

/**
 * Evaluates config.model_name_or_path (default: the shipped one), or each of `compare`'s two checkpoints, and
 * writes the run folder. Prints the summary table(s) to stdout.
 */
export async function runEvalReport(
  config: RunConfig,
  compare?: [string, string],
  overwrite = false,
): Promise<EvalRun[]> {
  await prepareOutFolder(config.out, "eval", overwrite);
  const paths = compare ?? [config.model_name_or_path || SHIPPED_CHECKPOINT];
  if (!compare && !config.model_name_or_path) {
    console.error(`no checkpoint given: evaluating the shipped one, ${paths[0]}`);
  }
  const base = cwdUrl();
  const rewards = await loadRewardSet(absoluteSpec(rewardSpecOf(config), base), base, openCustomReward);
  for (const note of rewardNotes(rewards)) console.error(note);
  const names = rewards.map((r) => r.name);
  const weights = config.reward_weights.length > 0 ? config.reward_weights : names.map(() => 1);
  const iouOptions = config.reward_options.iou as Record<string, unknown> | undefined;
  const coordinates = checkCoordinates("iou", String(iouOptions?.coordinates ?? "pixels"));
  const labels = compare ? ["A", "B"] : [""];
  const { configJson } = await readCheckpoint(paths[0]);
  const vocabIds = (JSON.parse(configJson) as { vocab_ids?: number[] }).vocab_ids;
  const samples = await evalSamples(config, vocabIds);
  const reports: EvalReport[] = [];
  for (const [k, path] of paths.entries()) {
    reports.push(await generateWith(config, path, labels[k], samples.length));
  }
  const runs: EvalRun[] = [];
  for (const [k, report] of reports.entries()) {
    const { rows, said } = await scorePredictions(report.predictions, samples, rewards, weights);
    for (const line of said) console.error(line);
    runs.push({ checkpoint: paths[k], rows, summary: summariseScored(rows, names) });
  }
  // The custom rewards' workers; a failure before here ends the command, and them with it.
  await closeRewards(rewards);
  const data = config.dataset ? `data set ${config.dataset}` : `task ${config.task}`;
  const about = `${data}, ${samples.length} held-out samples, temperature ${config.temperature}, seed ` +
    `${config.seed}, rewards ${names.map((n, i) => `${n} x ${weights[i]}`).join(", ")}`;
  await Deno.mkdir(config.out, { recursive: true });
  const counts = compare ? compareRows(runs[0].rows, runs[1].rows) : undefined;
  const title = (k: number) => `${labels[k] ? `${labels[k]}: ` : ""}${runs[k].checkpoint}`;
  for (const [k, run] of runs.entries()) {
    console.log(`eval of ${title(k)}: ${about}`);
    console.log(formatSummaryTable(run.summary, names));
    const file = compare ? `predictions-${labels[k].toLowerCase()}.jsonl` : "predictions.jsonl";
    await writeOutFile(`${config.out}/${file}`, jsonl(run.rows));
  }
  const metrics: unknown[] = runs.map((run, k) => ({
    ...(compare ? { run: labels[k] } : {}),
    checkpoint: run.checkpoint,
    data: config.dataset || config.task,
    temperature: config.temperature,
    summary: run.summary,
  }));
  if (counts) {
    metrics.push({ compare: counts });
    console.log(
      `A vs B, sample by sample: both right ${counts.both_right}, only A ${counts.only_a}, only B ` +
        `${counts.only_b}, both wrong ${counts.both_wrong}; mean reward gain (B - A) ${
          counts.mean_reward_gain.toFixed(3)
        }`,
    );
    await writeOutFile(
      `${config.out}/compare.jsonl`,
      jsonl(
        samples.map((s, i) => ({
          id: s.id,
          task: s.task,
          solution: s.solution,
          a: runs[0].rows[i],
          b: runs[1].rows[i],
        })),
      ),
    );
  }
  await writeOutFile(`${config.out}/metrics.jsonl`, jsonl(metrics));
  const reportRuns: ReportRun[] = runs.map((run, k) => ({
    label: title(k),
    rows: run.rows,
    summary: run.summary,
  }));
  const html = await reportHtml({
    title: compare ? "grpo-lab evaluation: A vs B" : `grpo-lab evaluation of ${runs[0].checkpoint}`,
    about: [about],
    names,
    samples,
    runs: reportRuns,
    compare: counts,
    coordinates,
  });
  await writeOutFile(`${config.out}/report.html`, html);
  const written = compare ? "predictions-a.jsonl, predictions-b.jsonl, compare.jsonl" : "predictions.jsonl";
  console.log(`wrote ${config.out}/: ${written}, metrics.jsonl, report.html`);
  return runs;
}
