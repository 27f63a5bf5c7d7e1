/**
 * RGB pixel arrays without a canvas: creation, shape painting, cropping and area-average resizing.
 * Everything here is integer or IEEE arithmetic, so Deno and the browser produce the same bytes.
 */
import type { Box, RgbImage } from "./sample.ts";

export type Rgb = readonly [number, number, number];

/** A width x height image filled with one colour. */
export function createImage(width: number, height: number, fill: Rgb): RgbImage {
  const pixels = new Uint8Array(width * height * 3);
  for (let i = 0; i < pixels.length; i += 3) {
    pixels[i] = fill[0];
    pixels[i + 1] = fill[1];
    pixels[i + 2] = fill[2];
  }
  return { width, height, pixels };
}

/** What painting a shape did: the tight box of the pixels painted and how many there were. */
export interface Painted {
  box: Box;
  area: number;
}

/**
 * Paints every pixel of `bounds` whose centre (x + 0.5, y + 0.5) satisfies `inside`, and returns the
 * tight box (x2, y2 exclusive) and count of the pixels painted. Pixels outside the image are skipped.
 */
export function paintWhere(
  image: RgbImage,
  bounds: Box,
  colour: Rgb,
  inside: (px: number, py: number) => boolean,
): Painted {
  const x1 = Math.max(0, bounds[0]), y1 = Math.max(0, bounds[1]);
  const x2 = Math.min(image.width, bounds[2]), y2 = Math.min(image.height, bounds[3]);
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity, area = 0;
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2; x++) {
      if (!inside(x + 0.5, y + 0.5)) continue;
      const i = (y * image.width + x) * 3;
      image.pixels[i] = colour[0];
      image.pixels[i + 1] = colour[1];
      image.pixels[i + 2] = colour[2];
      minX = Math.min(minX, x);
      minY = Math.min(minY, y);
      maxX = Math.max(maxX, x);
      maxY = Math.max(maxY, y);
      area++;
    }
  }
  if (area === 0) throw new Error(`paintWhere(): nothing painted inside [${bounds.join(", ")}]`);
  return { box: [minX, minY, maxX + 1, maxY + 1], area };
}

/** A filled disc of radius r centred on the pixel corner (cx, cy). */
export function drawCircle(image: RgbImage, cx: number, cy: number, r: number, colour: Rgb): Painted {
  return paintWhere(
    image,
    [cx - r, cy - r, cx + r, cy + r],
    colour,
    (px, py) => (px - cx) ** 2 + (py - cy) ** 2 <= r * r,
  );
}

/** A filled axis-aligned square of side 2r centred on (cx, cy). */
export function drawSquare(image: RgbImage, cx: number, cy: number, r: number, colour: Rgb): Painted {
  return paintWhere(image, [cx - r, cy - r, cx + r, cy + r], colour, () => true);
}

/** A filled triangle pointing up: apex (cx, cy - r), base from (cx - r, cy + r) to (cx + r, cy + r). */
export function drawTriangle(image: RgbImage, cx: number, cy: number, r: number, colour: Rgb): Painted {
  return paintWhere(
    image,
    [cx - r, cy - r, cx + r, cy + r],
    colour,
    // The half-width grows from 0 at the apex to r at the base: |px - cx| <= (py - (cy - r)) / 2.
    (px, py) => Math.abs(px - cx) <= (py - cy + r) / 2,
  );
}

/** The pixels of `box` (x2, y2 exclusive, clamped to the image) as a new image. */
export function cropImage(image: RgbImage, box: Box): RgbImage {
  const x1 = Math.max(0, Math.floor(box[0])), y1 = Math.max(0, Math.floor(box[1]));
  const x2 = Math.min(image.width, Math.ceil(box[2])), y2 = Math.min(image.height, Math.ceil(box[3]));
  if (x2 <= x1 || y2 <= y1) throw new Error(`cropImage(): empty box [${box.join(", ")}]`);
  const out = new Uint8Array((x2 - x1) * (y2 - y1) * 3);
  for (let y = y1; y < y2; y++) {
    const row = image.pixels.subarray((y * image.width + x1) * 3, (y * image.width + x2) * 3);
    out.set(row, (y - y1) * (x2 - x1) * 3);
  }
  return { width: x2 - x1, height: y2 - y1, pixels: out };
}

/**
 * For each of `outSize` output cells over `inSize` input pixels, the input pixels it overlaps and the
 * overlap lengths (in input pixels). Cell o covers [o * s, (o + 1) * s) with s = inSize / outSize.
 */
function areaWeights(inSize: number, outSize: number): { start: number; weights: number[] }[] {
  const scale = inSize / outSize;
  const cells = [];
  for (let o = 0; o < outSize; o++) {
    const lo = o * scale, hi = (o + 1) * scale;
    const start = Math.floor(lo);
    const weights = [];
    for (let i = start; i < Math.min(inSize, Math.ceil(hi)); i++) {
      weights.push(Math.min(hi, i + 1) - Math.max(lo, i));
    }
    cells.push({ start, weights });
  }
  return cells;
}

/**
 * Area-average resize (a box filter, like OpenCV's INTER_AREA): each output pixel is the mean of the
 * input area it covers, weighted by overlap, rounded to the nearest byte. Works for any ratio; for an
 * integer downscale factor k it is the plain mean of each k x k block.
 */
export function resizeArea(image: RgbImage, width: number, height: number): RgbImage {
  if (width === image.width && height === image.height) {
    return { width, height, pixels: image.pixels.slice() };
  }
  const xs = areaWeights(image.width, width), ys = areaWeights(image.height, height);
  const pixels = new Uint8Array(width * height * 3);
  const cellArea = (image.width / width) * (image.height / height);
  for (let oy = 0; oy < height; oy++) {
    const cy = ys[oy];
    for (let ox = 0; ox < width; ox++) {
      const cx = xs[ox];
      let r = 0, g = 0, b = 0;
      for (let j = 0; j < cy.weights.length; j++) {
        const rowBase = (cy.start + j) * image.width;
        for (let i = 0; i < cx.weights.length; i++) {
          const w = cy.weights[j] * cx.weights[i];
          const p = (rowBase + cx.start + i) * 3;
          r += w * image.pixels[p];
          g += w * image.pixels[p + 1];
          b += w * image.pixels[p + 2];
        }
      }
      const o = (oy * width + ox) * 3;
      pixels[o] = Math.round(r / cellArea);
      pixels[o + 1] = Math.round(g / cellArea);
      pixels[o + 2] = Math.round(b / cellArea);
    }
  }
  return { width, height, pixels };
}
