/**
 * A run's data set: opened, checked (images, tokens, limits, the model's vocabulary), split by seed, and
 * read sample by sample by the trainer (train split, shuffled per epoch) and eval (held-out split). A
 * data set with problems is refused with every problem named, unless skip_invalid is set.
 */
import type { RunConfig } from "../../config/fields.ts";
import type { Sample } from "../sample.ts";
import type { TextPipeline } from "../../text/pipeline.ts";
import { DataSource } from "./source.ts";
import { epochIndex, splitIndices } from "./split.ts";
import { type DataFiles, DatasetError } from "./types.ts";
import { checkDataset, type CheckLimits, type CheckReport, problemCounts } from "./validate.ts";

/** Problems listed in the error that refuses a data set. */
const LISTED_PROBLEMS = 20;

export interface RunDataset {
  source: DataSource;
  report: CheckReport;
  /** Record indices of the train and eval splits. */
  train: number[];
  eval: number[];
  /** What to tell the user once: the data set, its split, what was skipped. */
  notes: string[];
  /** The sample at data position `position` of a split: train wraps around in shuffled epochs. */
  sample(split: "train" | "eval", position: number): Promise<Sample>;
}

/** The check limits of a run, with the image processor's own pixel limits. */
export function checkLimits(config: RunConfig, text?: TextPipeline): CheckLimits {
  const processor = text?.imageProcessor as { min_pixels?: number; max_pixels?: number } | undefined;
  return {
    imageSize: config.image_size,
    maxPromptLength: config.max_prompt_length,
    maxCompletionLength: config.max_completion_length,
    minPixels: processor?.min_pixels ?? undefined,
    maxPixels: processor?.max_pixels ?? undefined,
  };
}

/**
 * Opens config.dataset through `files`, checks every sample (against `vocabIds` when the model has a
 * small vocabulary) and splits the valid ones by config.seed and config.test_ratio.
 */
export async function openRunDataset(
  config: RunConfig,
  text: TextPipeline,
  files: DataFiles,
  vocabIds?: readonly number[],
): Promise<RunDataset> {
  const t0 = performance.now();
  const source = await DataSource.open(config.dataset, files, {
    imageFolders: config.image_folders,
    allowOutsidePaths: config.allow_outside_paths,
  });
  const report = await checkDataset(source, text, {
    limits: checkLimits(config, text),
    knownIds: vocabIds ? new Set(vocabIds) : undefined,
  });
  const { problems, valid } = report;
  const name = `data set ${config.dataset} (${report.format})`;
  const notes: string[] = [...source.notes];
  if (problems.length > 0) {
    const listed = problems.slice(0, LISTED_PROBLEMS).map((p) => `  ${p.where}: ${p.message}`);
    const more = problems.length > LISTED_PROBLEMS
      ? [`  ... and ${problems.length - LISTED_PROBLEMS} more`]
      : [];
    const skipped = report.total - valid.length;
    if (!config.skip_invalid || valid.length === 0) {
      throw new DatasetError(
        [
          `${name}: ${skipped} of ${report.total} samples have problems (${problemCounts(problems)}); ` +
          (valid.length === 0
            ? "none is usable"
            : `fix them, or set skip_invalid=true to train on the ${valid.length} valid ones`),
          ...listed,
          ...more,
        ].join("\n"),
      );
    }
    notes.push(
      [
        `skip_invalid: skipped ${skipped} of ${report.total} samples (${problemCounts(problems)}):`,
        ...listed,
        ...more,
      ].join("\n"),
    );
  }
  const split = splitIndices(valid.length, { seed: config.seed, testRatio: config.test_ratio });
  const train = split.train.map((i) => valid[i]);
  const evalSplit = config.test_ratio > 0 ? split.test.map((i) => valid[i]) : train;
  notes.unshift(
    `${name}: ${valid.length} samples checked in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
      (config.test_ratio > 0
        ? `${train.length} train, ${evalSplit.length} held out for eval (test_ratio ${config.test_ratio}, seed ${config.seed})`
        : "all of them train and evaluate (test_ratio 0)"),
  );
  return {
    source,
    report,
    train,
    eval: evalSplit,
    notes,
    sample(which, position) {
      if (which === "train") return source.sample(epochIndex(train, position, config.seed));
      if (position >= evalSplit.length) {
        throw new DatasetError(
          `eval asked for sample ${
            position + 1
          } but ${name} holds ${evalSplit.length} for eval; lower eval_n`,
        );
      }
      return source.sample(evalSplit[position]);
    },
  };
}
