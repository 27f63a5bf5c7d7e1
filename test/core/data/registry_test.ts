import { assert, assertEquals, assertThrows } from "../../assert.ts";
import {
  EVAL_SEED_BASE,
  getTask,
  makeDataset,
  makeSample,
  seedSplit,
  splitSeed,
  tasks,
} from "../../../core/data/registry.ts";

Deno.test("tasks registers count, attribute, grounding and tiny under their names", () => {
  assertEquals(Object.keys(tasks).sort(), ["attribute", "count", "grounding", "tiny"]);
  for (const [name, task] of Object.entries(tasks)) assertEquals(task.name, name);
});

Deno.test("getTask() names the known tasks when the name is unknown", () => {
  assertThrows(() => getTask("colour"), Error, "known tasks: count, attribute, grounding, tiny");
});

Deno.test("makeDataset() gives samples 0..n-1, each equal to makeSample() alone", () => {
  const data = makeDataset("grounding", { seed: 9, n: 5 });
  assertEquals(data.map((s) => s.id), [0, 1, 2, 3, 4].map((i) => `grounding-9-${i}`));
  assertEquals(data[3], makeSample("grounding", 9, 3));
});

Deno.test("splitSeed() keeps training seeds below EVAL_SEED_BASE and evaluation seeds from it up", () => {
  assertEquals(splitSeed("train", 7), 7);
  assertEquals(splitSeed("eval", 7), EVAL_SEED_BASE + 7);
  assertEquals(seedSplit(splitSeed("train", EVAL_SEED_BASE - 1)), "train");
  assertEquals(seedSplit(splitSeed("eval")), "eval");
  assertThrows(() => splitSeed("train", EVAL_SEED_BASE), Error, "evaluation seeds");
  assertThrows(() => splitSeed("eval", -1), Error, "non-negative");
});

Deno.test("the train and eval streams of a task share no image among their first 200 samples", () => {
  for (const name of Object.keys(tasks)) {
    const key = (seed: number, i: number) => fnv1a(makeSample(name, seed, i).image.pixels);
    const train = new Set(Array.from({ length: 200 }, (_, i) => key(splitSeed("train"), i)));
    for (let i = 0; i < 200; i++) assert(!train.has(key(splitSeed("eval"), i)), `${name} ${i}`);
  }
});

function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}
