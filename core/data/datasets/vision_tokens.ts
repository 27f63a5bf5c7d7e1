/**
 * How many vision tokens an image takes in Qwen2-VL: the processor's smart_resize (transformers'
 * image_processing_qwen2_vl.py) picks a size divisible by 28 with its pixel count in [min_pixels,
 * max_pixels], then each 28 x 28 block is one token after the 2x2 merge. The lab itself resizes every
 * image to image_size x image_size (see core/text/image_inputs.ts); this says what a real Qwen2-VL run
 * over the same images would spend.
 */

/** Pixels per side of one merged token: 14-pixel patches, 2x2 merge. */
export const TOKEN_SIDE = 28;
/** Qwen2-VL's processor defaults: 56 x 56 and 14 x 14 x 4 x 1280 pixels. */
export const DEFAULT_MIN_PIXELS = 56 * 56;
export const DEFAULT_MAX_PIXELS = 14 * 14 * 4 * 1280;
/** smart_resize refuses images longer than this many times their width (or wider than tall). */
export const MAX_ASPECT_RATIO = 200;

/** Python's round(): halves go to the even neighbour (round(2.5) = 2), as smart_resize rounds. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** [height, width] after smart_resize; an aspect ratio over 200 is an error, as in transformers. */
export function smartResize(
  height: number,
  width: number,
  minPixels = DEFAULT_MIN_PIXELS,
  maxPixels = DEFAULT_MAX_PIXELS,
  factor = TOKEN_SIDE,
): [number, number] {
  if (Math.max(height, width) / Math.min(height, width) > MAX_ASPECT_RATIO) {
    throw new Error(
      `aspect ratio ${width}x${height} is over ${MAX_ASPECT_RATIO}: Qwen2-VL's processor refuses it`,
    );
  }
  let h = Math.max(factor, roundHalfEven(height / factor) * factor);
  let w = Math.max(factor, roundHalfEven(width / factor) * factor);
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = Math.max(factor, Math.floor(height / beta / factor) * factor);
    w = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = Math.ceil((height * beta) / factor) * factor;
    w = Math.ceil((width * beta) / factor) * factor;
  }
  return [h, w];
}

/** Vision tokens of a width x height image in Qwen2-VL at these pixel limits. */
export function qwenVisionTokens(
  width: number,
  height: number,
  minPixels?: number,
  maxPixels?: number,
): number {
  const [h, w] = smartResize(height, width, minPixels, maxPixels);
  return (h / TOKEN_SIDE) * (w / TOKEN_SIDE);
}
