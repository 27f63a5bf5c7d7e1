import { assertEquals } from "../../assert.ts";
import {
  bandPath,
  extent,
  formatTick,
  linearScale,
  linePath,
  meanStdBand,
  niceTicks,
} from "../../../app/web/chart_math.ts";

Deno.test("linearScale() maps the domain onto the range, a zero-width domain to the middle", () => {
  const s = linearScale([0, 10], [100, 0]);
  assertEquals([s(0), s(5), s(10), s(12)], [100, 50, 0, -20]);
  assertEquals(linearScale([3, 3], [0, 50])(3), 25);
});

Deno.test("extent() skips missing values and pads a single value", () => {
  assertEquals(extent([3, NaN, -1, Infinity, 2]), [-1, 3]);
  assertEquals(extent([NaN, NaN]), null);
  assertEquals(extent([]), null);
  assertEquals(extent([5]), [4.5, 5.5]);
  assertEquals(extent([0, 0]), [-1, 1]);
  assertEquals(extent([-2]), [-2.2, -1.8]);
});

Deno.test("niceTicks() gives steps of 1, 2 or 5 times a power of ten inside the interval", () => {
  assertEquals(niceTicks(0, 1, 4), [0, 0.5, 1]);
  assertEquals(niceTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
  assertEquals(niceTicks(0.13, 0.92, 4), [0.2, 0.4, 0.6, 0.8]);
  assertEquals(niceTicks(-1, 1, 4), [-1, -0.5, 0, 0.5, 1]);
  assertEquals(niceTicks(0.1, 0.4, 3), [0.1, 0.2, 0.3, 0.4]);
  assertEquals(niceTicks(1, 2, 5), [1, 1.2, 1.4, 1.6, 1.8, 2]);
  assertEquals(niceTicks(4, 4), [4]);
  assertEquals(niceTicks(2, 1), []);
  assertEquals(niceTicks(NaN, 1), []);
});

Deno.test("formatTick() writes round labels", () => {
  assertEquals([0, 3, 0.5, 0.123456, -2.5, 1e-4, 250000].map(formatTick), [
    "0",
    "3",
    "0.5",
    "0.123",
    "-2.5",
    "1.0e-4",
    "2.5e+5",
  ]);
});

Deno.test("linePath() draws through the points and breaks at a missing value", () => {
  const x = linearScale([1, 4], [0, 30]), y = linearScale([0, 1], [100, 0]);
  assertEquals(linePath([[1, 0], [2, 0.5], [3, 1]], x, y), "M0,100L10,50L20,0");
  assertEquals(linePath([[1, 0], [2, NaN], [3, 1], [4, 0.25]], x, y), "M0,100L0,100M20,0L30,75");
  assertEquals(linePath([], x, y), "");
  assertEquals(linePath([[1, NaN]], x, y), "");
  assertEquals(linePath([[1, 1 / 3]], x, linearScale([0, 1], [0, 1])), "M0,0.33L0,0.33");
});

Deno.test("bandPath() closes the band along the upper then the lower edge, in pieces around gaps", () => {
  const x = linearScale([1, 3], [0, 20]), y = linearScale([0, 10], [10, 0]);
  assertEquals(bandPath([[1, 2, 4], [2, 3, 6], [3, 1, 9]], x, y), "M0,6L10,4L20,1L20,9L10,7L0,8Z");
  assertEquals(bandPath([[1, 2, 4], [2, NaN, 6], [3, 1, 9]], x, y), "M0,6L0,8ZM20,1L20,9Z");
  assertEquals(bandPath([], x, y), "");
});

Deno.test("meanStdBand() is mean ± std per step, missing where the std is", () => {
  assertEquals(meanStdBand([[1, 0.5], [2, 1], [3, NaN]], [[1, 0.25], [2, NaN], [3, 1]]), [
    [1, 0.25, 0.75],
    [2, NaN, NaN],
    [3, NaN, NaN],
  ]);
});
