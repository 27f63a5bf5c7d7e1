/** maxOf() and minOf() against Math.max / Math.min, and on lists too long to spread into a call. */
import { assertEquals } from "../assert.ts";
import { maxOf, minOf } from "../../core/extremes.ts";

Deno.test("maxOf() and minOf() agree with Math.max and Math.min on short lists", () => {
  const xs = [3, -7, 12.5, 0, -0.25];
  assertEquals(maxOf(xs), 12.5);
  assertEquals(minOf(xs), -7);
  assertEquals(maxOf([-3, -1]), -1);
  assertEquals(minOf([4]), 4);
});

Deno.test("maxOf() and minOf() give -Infinity / Infinity, or the given value, on an empty list", () => {
  assertEquals(maxOf([]), -Infinity);
  assertEquals(minOf([]), Infinity);
  assertEquals(maxOf([], 0), 0);
  assertEquals(minOf(new Set<number>(), 7), 7);
});

Deno.test("maxOf() and minOf() give NaN when any element is NaN, as Math.max does", () => {
  assertEquals(maxOf([1, NaN, 2]), NaN);
  assertEquals(minOf([1, NaN, 2]), NaN);
});

Deno.test("maxOf() and minOf() take 200000 elements, where a spread into Math.max overflows the stack", () => {
  // 200000 rows: the completion lengths of per_device_train_batch_size=2 x num_generations=100000.
  const xs = Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 200_003);
  assertEquals(maxOf(xs), 200_002);
  assertEquals(minOf(xs), 0);
});
