import { assert, assertEquals } from "../../assert.ts";
import { outcome, outcomeReward } from "../../../core/rewards/outcome.ts";
import type { RewardSample } from "../../../core/rewards/types.ts";
import { Rng } from "../../../core/random.ts";

const ctx = { sayOnce: () => {} };
const a = (text: string) => `<think>x</think><answer>${text}</answer>`;

Deno.test("outcomeReward() gives 3 for an exact match after normalisation", () => {
  assertEquals(outcomeReward(a("Red circle."), "red circle"), 3);
  assertEquals(outcomeReward(a("three"), "3"), 3);
  assertEquals(outcomeReward(a("  3.0 "), "3"), 3);
});

Deno.test("outcomeReward() gives 1.5 when the answer holds at least half of the solution's distinct words", () => {
  // {red, circle}: "red" held, 1 >= 0.5 · 2.
  assertEquals(outcomeReward(a("a big red square"), "red circle"), 1.5);
  // {large, red, circle}: 2 held >= 1.5.
  assertEquals(outcomeReward(a("red circle"), "large red circle"), 1.5);
  // All words held, but more besides: not exact.
  assertEquals(outcomeReward(a("red circle on the left"), "red circle"), 1.5);
  // Distinct words: "red red circle" is {red, circle}, so "red" alone is half.
  assertEquals(outcomeReward(a("red"), "red red circle"), 1.5);
});

Deno.test("outcomeReward() gives 0 below half, with no <answer> and with an empty solution", () => {
  // {large, red, circle}: 1 held < 1.5.
  assertEquals(outcomeReward(a("red"), "large red circle"), 0);
  assertEquals(outcomeReward(a("blue"), "red"), 0);
  assertEquals(outcomeReward("red circle", "red circle"), 0);
  assertEquals(outcomeReward("<answer>red circle", "red circle"), 0);
  assertEquals(outcomeReward(a(""), ""), 0);
  assertEquals(outcomeReward(a("!!!"), "?!"), 0);
  assertEquals(outcomeReward(a(""), "red"), 0);
});

Deno.test("outcome.fn() reads the sample's solution", () => {
  const sample: RewardSample = {
    id: "vqa-0-0",
    task: "vqa",
    prompt: "What colour?",
    solution: "Dark red",
    reference: a("dark red"),
    meta: {},
    imageSize: null,
  };
  assertEquals(outcome.fn(a("dark red"), sample, outcome.defaults, ctx), 3);
  assertEquals(outcome.fn(a("red"), sample, outcome.defaults, ctx), 1.5);
  assertEquals(outcome.fn(a("blue"), sample, outcome.defaults, ctx), 0);
});

Deno.test("outcomeReward() is only ever 0, 1.5 or 3 over random and malformed input", () => {
  const pieces = [
    "<answer>",
    "</answer>",
    "red",
    "circle",
    "Red",
    " ",
    ".",
    "3",
    "three",
    "3.0",
    "😀",
    "NaN",
    "\n",
  ];
  const solutions = ["red circle", "3", "", "NaN", "Infinity", "9".repeat(400), "😀", "a b c d", "-0"];
  const malformed = [
    "",
    "<answer>",
    "<answer><answer>red</answer></answer>",
    a("Infinity"),
    a("-1e308"),
    a("9".repeat(400)),
    a("\ud800 über"),
    "x".repeat(10000),
  ];
  const rng = new Rng(3);
  const inputs = [...malformed];
  for (let i = 0; i < 2000; i++) {
    inputs.push(Array.from({ length: rng.int(0, 10) }, () => rng.pick(pieces)).join(""));
  }
  const seen = new Set<number>();
  for (const c of inputs) {
    for (const solution of solutions) {
      const r = outcomeReward(c, solution);
      assert(r === 0 || r === 1.5 || r === 3, `${r} on ${JSON.stringify(c.slice(0, 40))} / ${solution}`);
      seen.add(r);
    }
  }
  assertEquals([...seen].sort(), [0, 1.5, 3]);
});
