/** Shared fixtures of the model tests: a tiny model over a small vocabulary, an image and prompts. */
import * as tf from "@tensorflow/tfjs";
import { normalStream, Rng } from "../../../core/random.ts";
import { Qwen2VLModel, tiny } from "../../../models/qwen2_vl/mod.ts";
import type { Grid } from "../../../models/qwen2_vl/mod.ts";

export const VISION_START = 151652;
export const VISION_END = 151653;
export const IMAGE_PAD = 151655;
/** Real ids of the tiny vocabulary: 30 ordinary tokens, the vision specials and <|im_end|>. */
export const VOCAB_IDS = [
  ...Array.from({ length: 30 }, (_, i) => 100 + i),
  VISION_START,
  VISION_END,
  IMAGE_PAD,
  151645,
];

export function tinyModel(seed = 1): Qwen2VLModel {
  return Qwen2VLModel.init(tiny(VOCAB_IDS), normalStream(seed));
}

/** Seeded uniform [-1, 1) patches [P, 1176] for the given grids. */
export function randomPatches(grids: Grid[], seed: number): tf.Tensor2D {
  const rng = new Rng(seed);
  const P = grids.reduce((s, [t, h, w]) => s + t * h * w, 0);
  const data = Float32Array.from({ length: P * 1176 }, () => 2 * rng.next() - 1);
  return tf.tensor2d(data, [P, 1176]);
}

/** A prompt of real ids: text, <|vision_start|>, n image pads, <|vision_end|>, text. */
export function promptWithImage(before: number[], imageTokens: number, after: number[]): number[] {
  return [...before, VISION_START, ...new Array<number>(imageTokens).fill(IMAGE_PAD), VISION_END, ...after];
}

/** Max |a - b| over two equal-length arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
