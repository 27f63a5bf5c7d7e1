import { assertEquals, assertThrows } from "../../assert.ts";
import {
  createImage,
  cropImage,
  drawCircle,
  drawSquare,
  drawTriangle,
  resizeArea,
} from "../../../core/data/image.ts";
import type { RgbImage } from "../../../core/data/sample.ts";

function gray(width: number, height: number, value: (x: number, y: number) => number): RgbImage {
  const image = createImage(width, height, [0, 0, 0]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      image.pixels.fill(value(x, y), (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  }
  return image;
}

Deno.test("resizeArea() averages each k x k block for an integer factor", () => {
  const image = gray(4, 4, (x, y) => 10 * x + 40 * y);
  const out = resizeArea(image, 2, 2);
  // Block (0, 0): x in {0, 1}, y in {0, 1}: mean 5 + 20 = 25; block (1, 0): 25 + 20 = 45; then 105, 125.
  assertEquals([...out.pixels].filter((_, i) => i % 3 === 0), [25, 45, 105, 125]);
});

Deno.test("resizeArea() weights partial overlaps for a 3 -> 2 resize", () => {
  const out = resizeArea(gray(3, 1, (x) => 90 * x), 2, 1);
  // Cell 0 covers [0, 1.5): (0 * 1 + 90 * 0.5) / 1.5 = 30; cell 1 covers [1.5, 3): (90 * 0.5 + 180) / 1.5 = 150.
  assertEquals([...out.pixels], [30, 30, 30, 150, 150, 150]);
});

Deno.test("resizeArea() returns a copy when the size does not change", () => {
  const image = gray(3, 2, (x, y) => x + y);
  const out = resizeArea(image, 3, 2);
  assertEquals(out, image);
  out.pixels[0] = 9;
  assertEquals(image.pixels[0], 0);
});

Deno.test("drawSquare() paints 2r x 2r pixels and reports their box", () => {
  const image = createImage(20, 20, [255, 255, 255]);
  const painted = drawSquare(image, 10, 8, 3, [1, 2, 3]);
  assertEquals(painted, { box: [7, 5, 13, 11], area: 36 });
  assertEquals([...image.pixels.subarray((5 * 20 + 7) * 3, (5 * 20 + 7) * 3 + 3)], [1, 2, 3]);
  assertEquals([...image.pixels.subarray((4 * 20 + 7) * 3, (4 * 20 + 7) * 3 + 3)], [255, 255, 255]);
});

Deno.test("drawCircle() and drawTriangle() fill about pi/4 and 1/2 of their box", () => {
  const image = createImage(100, 100, [255, 255, 255]);
  const circle = drawCircle(image, 30, 30, 20, [9, 9, 9]);
  const triangle = drawTriangle(image, 70, 70, 20, [8, 8, 8]);
  assertEquals(circle.box, [10, 10, 50, 50]);
  assertEquals(Math.abs(circle.area / 1600 - Math.PI / 4) < 0.01, true, `${circle.area}`);
  assertEquals(triangle.box[3], 90);
  assertEquals(Math.abs(triangle.area / 1600 - 0.5) < 0.02, true, `${triangle.area}`);
});

Deno.test("cropImage() copies the pixels of a box", () => {
  const image = gray(5, 4, (x, y) => 10 * y + x);
  const crop = cropImage(image, [1, 2, 4, 4]);
  assertEquals([crop.width, crop.height], [3, 2]);
  assertEquals([...crop.pixels].filter((_, i) => i % 3 === 0), [21, 22, 23, 31, 32, 33]);
  assertThrows(() => cropImage(image, [3, 3, 3, 4]));
});
