/**
 * deno task data's jobs: `check` (every sample read, tokenized and measured against the run's limits;
 * exit 1 on any problem) and `export --to verl` (train/test parquet in verl's layout).
 */
import type { RunConfig } from "../../core/config/mod.ts";
import {
  checkDataset,
  checkLimits,
  type CheckReport,
  DataSource,
  decodeImage,
  formatCheckReport,
  problemCounts,
  splitIndices,
  urlFiles,
  verlParquet,
  type VerlRow,
} from "../../core/data/datasets/mod.ts";
import { cwdUrl } from "../../core/rewards/scorer.ts";
import { loadFolderTextPipeline, loadTextPipeline, type TextPipeline } from "../../core/text/pipeline.ts";
import { isCheckpointFolder } from "../../models/qwen2_vl/checkpoint.ts";
import { Progress } from "./progress.ts";
import { DENO_ASSETS, readCheckpoint } from "./trainer_client.ts";
import { prepareOutFolder, writeOutFile } from "./out_folder.ts";

/**
 * The model's text side and its token ids: with model_name_or_path a folder, that folder's tokenizer
 * and image processor where it has them (loadFolderTextPipeline, its notes on stderr), else the
 * built-in ones; the ids when it is a small-vocabulary model (vocab_ids), else undefined.
 */
async function modelText(config: RunConfig): Promise<{ text: TextPipeline; vocab?: number[] }> {
  const builtIn = { modelBase: new URL("models/", DENO_ASSETS.publicBase) };
  if (!config.model_name_or_path) return { text: await loadTextPipeline(builtIn) };
  const weights = await readCheckpoint(config.model_name_or_path);
  const text = isCheckpointFolder(weights)
    ? await loadFolderTextPipeline(weights.folder, builtIn, (line) => console.error(`note: ${line}`))
    : await loadTextPipeline(builtIn);
  return { text, vocab: (JSON.parse(weights.configJson) as { vocab_ids?: number[] }).vocab_ids };
}

/** Opens and checks config.dataset with a progress bar; the report and the source. */
export async function checkConfiguredDataset(
  config: RunConfig,
): Promise<{ report: CheckReport; source: DataSource; vocabulary: boolean }> {
  if (!config.dataset) throw new Error("no data set given: deno task data check PATH");
  const files = urlFiles(cwdUrl());
  const source = await DataSource.open(config.dataset, files, {
    imageFolders: config.image_folders,
    allowOutsidePaths: config.allow_outside_paths,
  });
  for (const note of source.notes) console.error(`note: ${note}`);
  const { text, vocab } = await modelText(config);
  const n = source.records.length;
  const progress = n > 0 ? new Progress({ total: n, label: "check", unit: "sample" }) : undefined;
  const report = await checkDataset(source, text, {
    limits: checkLimits(config, text),
    knownIds: vocab ? new Set(vocab) : undefined,
    onProgress: (done) => progress?.update(done),
  });
  progress?.finish();
  return { report, source, vocabulary: vocab !== undefined };
}

/** Prints the check report to stdout; returns the exit status: 0 clean, 1 with problems. */
export async function runDataCheck(config: RunConfig): Promise<number> {
  const { report, vocabulary } = await checkConfiguredDataset(config);
  for (const line of formatCheckReport(report)) console.log(line);
  if (!vocabulary) {
    console.log("vocabulary: not checked (give --checkpoint to check against a small model's tokens)");
  }
  console.log(
    report.problems.length === 0 ? "ok: no problems" : `not ok: ${report.problems.length} problems`,
  );
  return report.problems.length === 0 ? 0 : 1;
}

/**
 * Writes DIR/train.parquet and DIR/test.parquet in verl's layout from the valid samples, split by
 * config.seed and config.test_ratio. A data set with problems is refused unless skip_invalid is set.
 */
export async function runVerlExport(
  config: RunConfig,
  overwrite = false,
): Promise<{ train: number; test: number }> {
  await prepareOutFolder(config.out, "data export", overwrite);
  const { report, source } = await checkConfiguredDataset(config);
  if (report.problems.length > 0) {
    const listed = report.problems.slice(0, 20).map((p) => `  ${p.where}: ${p.message}`).join("\n");
    if (!config.skip_invalid || report.valid.length === 0) {
      throw new Error(
        `${config.dataset}: ${report.problems.length} problems (${problemCounts(report.problems)}); fix ` +
          `them or set skip_invalid=true to export the ${report.valid.length} valid samples\n${listed}`,
      );
    }
    console.error(`skip_invalid: leaving out ${report.total - report.valid.length} samples:\n${listed}`);
  }
  const split = splitIndices(report.valid.length, { seed: config.seed, testRatio: config.test_ratio });
  await Deno.mkdir(config.out, { recursive: true });
  const counts = { train: 0, test: 0 };
  for (const name of ["train", "test"] as const) {
    const rows: VerlRow[] = [];
    for (const i of split[name]) {
      const record = source.records[report.valid[i]];
      const { bytes, name: imageName } = await source.imageBytes(record);
      const { width, height } = await decodeImage(bytes, imageName);
      rows.push({ record, image: bytes, width, height });
    }
    const path = `${config.out}/${name}.parquet`;
    await writeOutFile(path, verlParquet(rows, name));
    counts[name] = rows.length;
    console.log(`${path}: ${rows.length} rows`);
  }
  if (config.test_ratio === 0) {
    console.log(
      "test_ratio=0: test.parquet has no rows; test_ratio=0.1 holds out 10 % for verl's validation",
    );
  }
  return counts;
}
