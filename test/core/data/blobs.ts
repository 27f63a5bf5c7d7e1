/**
 * An independent reading of a scene from its pixels alone: 8-connected blobs of one flat colour, their
 * boxes and pixel counts, and a shape guess from how much of its box a blob fills.
 */
import type { Box, RgbImage } from "../../../core/data/sample.ts";
import { BACKGROUND, COLOUR_RGB } from "../../../core/data/scene.ts";

export interface Blob {
  colour: string;
  box: Box;
  area: number;
  shape: "circle" | "square" | "triangle";
}

function colourName(r: number, g: number, b: number): string {
  for (const [name, rgb] of Object.entries(COLOUR_RGB)) {
    if (rgb[0] === r && rgb[1] === g && rgb[2] === b) return name;
  }
  throw new Error(`pixel (${r}, ${g}, ${b}) is neither background nor a known colour`);
}

/** Square fills its box (1), a disc about pi/4 (0.785), a triangle about 1/2. */
function shapeOf(area: number, box: Box): Blob["shape"] {
  const fill = area / ((box[2] - box[0]) * (box[3] - box[1]));
  return fill > 0.95 ? "square" : fill > 0.65 ? "circle" : "triangle";
}

export function findBlobs(image: RgbImage): Blob[] {
  const { width, height, pixels } = image;
  const seen = new Uint8Array(width * height);
  const isBackground = (i: number) =>
    pixels[i * 3] === BACKGROUND[0] && pixels[i * 3 + 1] === BACKGROUND[1] &&
    pixels[i * 3 + 2] === BACKGROUND[2];
  const blobs: Blob[] = [];
  for (let start = 0; start < width * height; start++) {
    if (seen[start] || isBackground(start)) continue;
    const colour = colourName(pixels[start * 3], pixels[start * 3 + 1], pixels[start * 3 + 2]);
    const stack = [start];
    seen[start] = 1;
    let area = 0, x1 = width, y1 = height, x2 = 0, y2 = 0;
    while (stack.length) {
      const i = stack.pop()!;
      const x = i % width, y = Math.floor(i / width);
      if (colourName(pixels[i * 3], pixels[i * 3 + 1], pixels[i * 3 + 2]) !== colour) {
        throw new Error(`blob at (${x}, ${y}) touches another colour`);
      }
      area++;
      x1 = Math.min(x1, x), y1 = Math.min(y1, y), x2 = Math.max(x2, x + 1), y2 = Math.max(y2, y + 1);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx, ny = y + dy, j = ny * width + nx;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height || seen[j] || isBackground(j)) continue;
          seen[j] = 1;
          stack.push(j);
        }
      }
    }
    const box: Box = [x1, y1, x2, y2];
    blobs.push({ colour, box, area, shape: shapeOf(area, box) });
  }
  return blobs;
}
