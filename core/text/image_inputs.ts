/**
 * Image -> Qwen2-VL patches through Transformers.js' Qwen2VLImageProcessor. The processor never resizes
 * (preprocessor_config.json has do_resize: false) because RawImage resizes differently in a browser and
 * in Deno; resizeArea brings the image to the model's input size first, the same bytes everywhere.
 */
import { RawImage } from "@huggingface/transformers";
import { resizeArea } from "../data/image.ts";
import type { RgbImage } from "../data/sample.ts";
import type { ImageProcessor } from "./types.ts";

/** Pixels per patch side, and patches per merged token side, of Qwen2-VL. */
export const PATCH_SIZE = 14;
export const MERGE_SIZE = 2;
/** Values per flattened patch: 3 channels x temporal 2 x 14 x 14. */
export const PATCH_DIM = 3 * 2 * PATCH_SIZE * PATCH_SIZE;

/** <|image_pad|> tokens for a square image of side `imageSize`: (side / 14)^2 / 4. */
export function imageTokenCount(imageSize: number): number {
  checkImageSize(imageSize);
  return (imageSize / PATCH_SIZE) ** 2 / MERGE_SIZE ** 2;
}

function checkImageSize(imageSize: number): void {
  const factor = PATCH_SIZE * MERGE_SIZE;
  if (!Number.isInteger(imageSize) || imageSize <= 0 || imageSize % factor !== 0) {
    throw new Error(`imageSize must be a positive multiple of ${factor}, got ${imageSize}`);
  }
}

export interface ImagePatches {
  patches: Float32Array;
  patchCount: number;
  gridThw: [number, number, number];
}

/** Resizes `image` to imageSize x imageSize (area average) and flattens it into patches [P, 1176]. */
export async function imagePatches(
  processor: ImageProcessor,
  image: RgbImage,
  imageSize: number,
): Promise<ImagePatches> {
  checkImageSize(imageSize);
  const sized = resizeArea(image, imageSize, imageSize);
  const raw = new RawImage(
    new Uint8ClampedArray(sized.pixels.buffer, sized.pixels.byteOffset, sized.pixels.length),
    imageSize,
    imageSize,
    3,
  );
  const out = await processor(raw);
  const [patchCount, dim] = out.pixel_values.dims as number[];
  if (dim !== PATCH_DIM) {
    throw new Error(`image processor gave patches of ${dim} values, expected ${PATCH_DIM}`);
  }
  const grid = (out.image_grid_thw.tolist() as bigint[][])[0].map(Number) as [number, number, number];
  if (grid[1] * PATCH_SIZE !== imageSize || grid[2] * PATCH_SIZE !== imageSize) {
    throw new Error(`image processor resized the image: grid ${grid} for ${imageSize}x${imageSize}`);
  }
  return { patches: out.pixel_values.data as Float32Array, patchCount, gridThw: grid };
}
