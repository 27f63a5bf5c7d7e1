/**
 * The synthetic tasks by name, and how samples are seeded.
 *
 * Seeding: sample `index` of data set `seed` draws from `new Rng(seed).fork(index)`, so a sample depends
 * only on (task, seed, index), never on how many samples came before it.
 *
 * Held-out split: seeds in [0, EVAL_SEED_BASE) are for training and seeds from EVAL_SEED_BASE up are for
 * evaluation. Use `splitSeed("train", k)` / `splitSeed("eval", k)` rather than raw numbers, so that a
 * training run never draws from an evaluation stream.
 */
import { Rng } from "../random.ts";
import type { Sample } from "./sample.ts";
import type { Task } from "./task.ts";
import { attributeTask } from "./tasks/attribute.ts";
import { countTask } from "./tasks/count.ts";
import { groundingTask } from "./tasks/grounding.ts";
import { tinyTask } from "./tasks/tiny.ts";

export const tasks: Readonly<Record<string, Task>> = Object.freeze({
  count: countTask,
  attribute: attributeTask,
  grounding: groundingTask,
  tiny: tinyTask,
});

export type Split = "train" | "eval";

/** The first evaluation seed; every smaller non-negative seed is a training seed. */
export const EVAL_SEED_BASE = 1_000_000;

/** The k-th seed of a split (k >= 0; training seeds stop below EVAL_SEED_BASE). */
export function splitSeed(split: Split, k = 0): number {
  if (!Number.isInteger(k) || k < 0) {
    throw new Error(`splitSeed(): k must be a non-negative integer, got ${k}`);
  }
  if (split === "train" && k >= EVAL_SEED_BASE) {
    throw new Error(
      `splitSeed(): training seed ${k} would reach the evaluation seeds (>= ${EVAL_SEED_BASE})`,
    );
  }
  return split === "train" ? k : EVAL_SEED_BASE + k;
}

/** Which split a seed belongs to. */
export function seedSplit(seed: number): Split {
  return seed >= EVAL_SEED_BASE ? "eval" : "train";
}

/** The task registered under `name`; an unknown name is an error that lists the known ones. */
export function getTask(name: string): Task {
  const task = tasks[name];
  if (!task) throw new Error(`unknown task "${name}"; known tasks: ${Object.keys(tasks).join(", ")}`);
  return task;
}

/** Sample `index` of data set `seed` of a task; the same arguments give the same bytes on every runtime. */
export function makeSample(task: string | Task, seed: number, index: number): Sample {
  const t = typeof task === "string" ? getTask(task) : task;
  return t.generate(new Rng(seed).fork(index), `${t.name}-${seed}-${index}`);
}

/** Samples 0..n-1 of data set `seed`. */
export function makeDataset(task: string | Task, options: { seed: number; n: number }): Sample[] {
  return Array.from({ length: options.n }, (_, i) => makeSample(task, options.seed, i));
}
