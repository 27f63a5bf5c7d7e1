/**
 * Deterministic splits of a data set by seed: the same (n, seed, ratio) gives the same rows on every
 * runtime, whatever order the rows are later read in. Training order within the train split is a
 * seeded shuffle per epoch, so a run's data position (step * B + i) names one record.
 */
import { Rng } from "../../random.ts";

/** Salts, so that the split and the epoch orders draw from streams of their own. */
const SPLIT_SALT = 0x5b117;
const EPOCH_SALT = 0xe90c4;

/** A seeded Fisher-Yates permutation of 0..n-1. */
export function permutation(n: number, rng: Rng): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export interface Split {
  /** Record indices, ascending. */
  train: number[];
  test: number[];
}

/**
 * Round(n * testRatio) records, drawn by seed, form the test split (at least one when the ratio is above
 * 0 and n > 1; never all of them); the rest train. testRatio 0 puts every record in train.
 */
export function splitIndices(n: number, options: { seed: number; testRatio: number }): Split {
  const { seed, testRatio } = options;
  if (!(testRatio >= 0 && testRatio < 1)) {
    throw new Error(`test_ratio must be in [0, 1), got ${testRatio}`);
  }
  let nTest = Math.round(n * testRatio);
  if (testRatio > 0 && n > 1) nTest = Math.min(n - 1, Math.max(1, nTest));
  const order = permutation(n, new Rng(seed).fork(SPLIT_SALT));
  const asc = (xs: number[]) => xs.sort((a, b) => a - b);
  return { test: asc(order.slice(0, nTest)), train: asc(order.slice(nTest)) };
}

/**
 * The record index read at data position `position` of a run over `indices`: epoch e = position / n is
 * a seeded shuffle of them, so every record is read once per epoch.
 */
export function epochIndex(indices: readonly number[], position: number, seed: number): number {
  const n = indices.length;
  if (n === 0) throw new Error("epochIndex(): no records to read");
  const epoch = Math.floor(position / n);
  return indices[epochOrder(n, seed, epoch)[position % n]];
}

const orders = new Map<string, number[]>();

/** The shuffle of epoch `epoch`, memoised for the last few (a run reads one epoch for many steps). */
function epochOrder(n: number, seed: number, epoch: number): number[] {
  const key = `${n}:${seed}:${epoch}`;
  let order = orders.get(key);
  if (!order) {
    if (orders.size > 4) orders.clear();
    order = permutation(n, new Rng(seed).fork(EPOCH_SALT).fork(epoch));
    orders.set(key, order);
  }
  return order;
}
