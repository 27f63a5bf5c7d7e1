/** Deterministic splits by seed and the per-epoch order of the train split. */
import { epochIndex, permutation, splitIndices } from "../../../../core/data/datasets/split.ts";
import { Rng } from "../../../../core/random.ts";
import { assert, assertEquals, assertNotEquals, assertThrows } from "../../../assert.ts";

Deno.test("splitIndices() holds out round(n * ratio) records by seed, disjoint, the same every time", () => {
  const a = splitIndices(100, { seed: 3, testRatio: 0.1 });
  assertEquals(a.test.length, 10);
  assertEquals(a.train.length, 90);
  assertEquals([...a.train, ...a.test].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  assertEquals(splitIndices(100, { seed: 3, testRatio: 0.1 }), a);
  assertNotEquals(splitIndices(100, { seed: 4, testRatio: 0.1 }).test, a.test);
  assertEquals(splitIndices(5, { seed: 0, testRatio: 0 }), { train: [0, 1, 2, 3, 4], test: [] });
  // A ratio above 0 holds out at least one and never all.
  assertEquals(splitIndices(3, { seed: 0, testRatio: 0.01 }).test.length, 1);
  assertEquals(splitIndices(3, { seed: 0, testRatio: 0.99 }).train.length, 1);
  assertEquals(
    assertThrows(() => splitIndices(3, { seed: 0, testRatio: 1 })).message,
    "test_ratio must be in [0, 1), got 1",
  );
});

Deno.test("permutation() is a seeded Fisher-Yates shuffle of 0..n-1", () => {
  const p = permutation(50, new Rng(1));
  assertEquals([...p].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  assertEquals(permutation(50, new Rng(1)), p);
  assertNotEquals(p, Array.from({ length: 50 }, (_, i) => i));
});

Deno.test("epochIndex() reads every record once per epoch, in a new order each epoch", () => {
  const indices = [3, 5, 8, 13, 21];
  const epoch = (e: number) => Array.from({ length: 5 }, (_, i) => epochIndex(indices, e * 5 + i, 7));
  const orders = [0, 1, 2].map(epoch);
  for (const o of orders) assertEquals([...o].sort((x, y) => x - y), indices);
  assert(orders[0].join() !== orders[1].join() || orders[1].join() !== orders[2].join(), "epochs repeat");
  assertEquals(epoch(1), orders[1]);
});
