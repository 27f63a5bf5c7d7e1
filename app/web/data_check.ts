/**
 * A data set picked in the page (a .jsonl file with its images folder, or a .parquet file), checked
 * with the code `deno task data check` and training run (core/data/datasets: DataSource, checkDataset,
 * formatCheckReport), through blobFiles over the picked File objects. The page imports this module on
 * demand (it loads the tokenizer), so a lab without a data set never pays for it.
 */
import type { RunConfig } from "../../core/config/fields.ts";
import type { RgbImage } from "../../core/data/sample.ts";
import {
  blobFiles,
  checkDataset,
  checkLimits,
  type CheckReport,
  type DatasetRecord,
  DataSource,
  formatCheckReport,
  problemCounts,
} from "../../core/data/datasets/mod.ts";
import { loadTextPipeline, type TextPipeline } from "../../core/text/pipeline.ts";

export interface CheckedDataset {
  report: CheckReport;
  /** The report as `deno task data check` prints it, every problem listed. */
  lines: string[];
  source: DataSource;
}

let text: Promise<TextPipeline> | undefined;

/** The tokenizer and image processor from public/models/, loaded once per page. */
function pageText(publicBase: string): Promise<TextPipeline> {
  text ??= loadTextPipeline({ modelBase: new URL("models/", publicBase) }).catch((e) => {
    text = undefined; // a failed load is tried again on the next check
    throw e;
  });
  return text;
}

/**
 * Opens config.dataset among `files` (keyed by path: the data file's name, the images as
 * "folder/name.png") and checks every sample against the run's limits and, when given, the model's
 * token ids. Throws a DatasetError when the file cannot be read at all.
 */
export async function checkPickedDataset(
  config: RunConfig,
  files: ReadonlyMap<string, Blob>,
  publicBase: string,
  vocabIds?: readonly number[],
  onProgress?: (done: number, total: number) => void,
): Promise<CheckedDataset> {
  const pipeline = await pageText(publicBase);
  const source = await DataSource.open(config.dataset, blobFiles(files), {
    imageFolders: config.image_folders,
    allowOutsidePaths: config.allow_outside_paths,
  });
  const report = await checkDataset(source, pipeline, {
    limits: checkLimits(config, pipeline),
    knownIds: vocabIds ? new Set(vocabIds) : undefined,
    onProgress,
  });
  return { report, lines: formatCheckReport(report, Infinity), source };
}

/**
 * The image of a logged group's sample: the first record with that id and prompt (ids of a user's data
 * set need not be unique), decoded as training decoded it; null when no record matches.
 */
export async function groupImage(
  source: DataSource,
  promptId: string,
  prompt: string,
): Promise<RgbImage | null> {
  const record: DatasetRecord | undefined = source.records.find((r) =>
    r.id === promptId && r.prompt === prompt
  );
  return record ? await source.image(record) : null;
}

/** Problems listed in the error that refuses Start (all of them are in the check shown above it). */
const LISTED_PROBLEMS = 5;

/** Why Start refuses a checked data set (as training would), or null when it may start. */
export function refusalOf(report: CheckReport, config: RunConfig): string | null {
  const problems = report.problems;
  if (problems.length === 0 || (config.skip_invalid && report.valid.length > 0)) return null;
  const listed = problems.slice(0, LISTED_PROBLEMS).map((p) => `${p.where}: ${p.message}`);
  return `data set ${config.dataset}: ${report.total - report.valid.length} of ${report.total} samples ` +
    `have problems (${problemCounts(problems)}); ` +
    (report.valid.length === 0
      ? "none is usable"
      : `fix them, or tick skip_invalid to train on the ${report.valid.length} valid ones`) +
    `. ${listed.join("; ")}${problems.length > LISTED_PROBLEMS ? "; ..." : ""}`;
}
