import { assert, assertEquals, assertThrows } from "../../assert.ts";
import { accuracy, accuracyReward, answerChoice } from "../../../core/rewards/accuracy.ts";
import type { RewardSample } from "../../../core/rewards/types.ts";
import { Rng } from "../../../core/random.ts";

const ctx = { sayOnce: () => {} };
const a = (text: string) => `<think>x</think><answer>${text}</answer>`;
const sample = (solution: string): RewardSample => ({
  id: "t-0-0",
  task: "t",
  prompt: "?",
  solution,
  reference: a(solution),
  meta: {},
  imageSize: null,
});

Deno.test("accuracyReward() compares the normalised answer with the solution", () => {
  assertEquals(accuracyReward(a("Three"), { solution: "3" }), 1);
  assertEquals(accuracyReward(a("3.0"), { solution: "3" }), 1);
  assertEquals(accuracyReward(a(" Red! "), { solution: "red" }), 1);
  assertEquals(accuracyReward(a("4"), { solution: "3" }), 0);
  assertEquals(accuracyReward(a("red circle"), { solution: "red" }), 0);
  assertEquals(accuracyReward("no tags 3", { solution: "3" }), 0);
  assertEquals(accuracyReward("<answer>3", { solution: "3" }), 0);
});

Deno.test("accuracyReward() judges a box solution by IoU >= iou_threshold", () => {
  // IoU of [0,0,10,10] and [0,0,10,12] is 100 / 120 = 0.833.
  assertEquals(accuracyReward("<answer>[0, 0, 10, 10]</answer>", { solution: "[0, 0, 10, 12]" }), 1);
  // Overlap 25, union 100 + 225 - 25 = 300: 0.083.
  assertEquals(accuracyReward("<answer>[0, 0, 10, 10]</answer>", { solution: "[5, 5, 20, 20]" }), 0);
  assertEquals(accuracyReward("<answer>no box</answer>", { solution: "[5, 5, 20, 20]" }), 0);
  const strict = { numeric_tolerance: 0, iou_threshold: 0.9 };
  assertEquals(accuracyReward("<answer>[0, 0, 10, 10]</answer>", { solution: "[0, 0, 10, 12]" }, strict), 0);
});

Deno.test("accuracyReward() matches a choice solution by the letter the answer names", () => {
  for (
    const given of ["B", "(B)", "B. dog", "B) dog", "B: dog", "The answer is B", "Answer: (B)", "I pick B"]
  ) {
    assertEquals(accuracyReward(a(given), { solution: "B" }), 1, given);
  }
  for (const given of ["C", "(C) dog", "The answer is C", "Blue", "A or B", "b c"]) {
    assertEquals(accuracyReward(a(given), { solution: "B" }), 0, given);
  }
  assertEquals(accuracyReward(a("B"), { solution: "(B)" }), 1);
  assertEquals(accuracyReward(a("the answer is b"), { solution: "B." }), 0);
  // Naming no letter, the answer may give the option's text instead.
  assertEquals(accuracyReward(a("a dog"), { solution: "B) a dog" }), 1);
  assertEquals(accuracyReward(a("a cat"), { solution: "B) a dog" }), 0);
  // Lower case "b" is also the normalised solution.
  assertEquals(accuracyReward(a("b"), { solution: "B" }), 1);
});

Deno.test("answerChoice() finds the letter in the documented order, or null", () => {
  assertEquals(answerChoice("(D) because"), "D");
  assertEquals(answerChoice("The option is E."), "E");
  assertEquals(answerChoice("it is (A), not B"), "A");
  assertEquals(answerChoice("Everything"), null);
  assertEquals(answerChoice("A and C"), null);
  assertEquals(answerChoice("F"), null);
  assertEquals(answerChoice(""), null);
});

Deno.test("accuracyReward() gives the set IoU of the items for a list solution", () => {
  const list = { solution: "(1) A (2) B" };
  assertEquals(accuracyReward(a("(1) A (2) B"), list), 1);
  assertEquals(accuracyReward(a("(2) b (1) a"), list), 1);
  assertEquals(accuracyReward(a("A, B"), list), 1);
  // {a, c} against {a, b}: 1 shared of 3 in all.
  assertEquals(accuracyReward(a("(1) A (2) C"), list), 1 / 3);
  // {a} against {a, b}: 1 of 2.
  assertEquals(accuracyReward(a("(1) A"), list), 1 / 2);
  assertEquals(accuracyReward(a("nothing"), list), 0);
  assertEquals(accuracyReward(a(""), list), 0);
  assertEquals(
    accuracyReward(a("(1) Pick up cup (2) Pour water"), { solution: "(1) pick up cup (2) pour tea" }),
    1 / 3,
  );
});

Deno.test("accuracyReward() accepts a number within numeric_tolerance · |solution|", () => {
  const loose = { numeric_tolerance: 0.02, iou_threshold: 0.5 };
  assertEquals(accuracyReward(a("101"), { solution: "100" }), 0);
  // |101 - 100| = 1 <= 0.02 · 100 = 2; |103 - 100| = 3 > 2.
  assertEquals(accuracyReward(a("101"), { solution: "100" }, loose), 1);
  assertEquals(accuracyReward(a("99"), { solution: "100" }, loose), 1);
  assertEquals(accuracyReward(a("103"), { solution: "100" }, loose), 0);
  // "three" is 3; |3 - 3.05| = 0.05 <= 0.02 · 3.05 = 0.061.
  assertEquals(accuracyReward(a("three"), { solution: "3.05" }, loose), 1);
  // A solution of 0 is matched only exactly, whatever the tolerance.
  assertEquals(
    accuracyReward(a("0.001"), { solution: "0" }, { numeric_tolerance: 0.5, iou_threshold: 0.5 }),
    0,
  );
  assertEquals(accuracyReward(a("3 cats"), { solution: "3" }, loose), 0);
});

Deno.test("accuracyReward() names the option when a tolerance or threshold is bad", () => {
  for (const bad of [-1, NaN, Infinity]) {
    assertThrows(
      () => accuracyReward(a("1"), { solution: "1" }, { numeric_tolerance: bad, iou_threshold: 0.5 }),
      Error,
      "accuracy: option numeric_tolerance must be a finite number >= 0",
    );
  }
  assertThrows(
    () => accuracyReward(a("1"), { solution: "1" }, { numeric_tolerance: 0, iou_threshold: -0.1 }),
    Error,
    "accuracy: option iou_threshold",
  );
});

Deno.test("accuracy.fn() with its defaults scores as accuracyReward()", () => {
  assertEquals(accuracy.defaults, { numeric_tolerance: 0, iou_threshold: 0.5 });
  for (const [c, s] of [[a("3"), "3"], [a("B"), "(B)"], [a("(1) A"), "(1) A (2) B"], ["", "3"]]) {
    assertEquals(accuracy.fn(c, sample(s), accuracy.defaults, ctx), accuracyReward(c, { solution: s }));
  }
});

const MALFORMED = [
  "",
  "<answer>",
  "</answer><answer>",
  "<answer><answer>3</answer></answer>",
  a("NaN"),
  a("Infinity"),
  a("-Infinity"),
  a("-1e308"),
  a("9".repeat(400)),
  a("-0"),
  a("😀 日本語 über \ud800"),
  a("(1)(2)(3)"),
  a("[NaN, 1, 2, 3]"),
  "x".repeat(10000),
];
const SOLUTIONS = ["3", "0", "red", "B", "(1) A (2) B", "[0, 0, 10, 10]", "", "!!!", "9".repeat(400), "NaN"];

Deno.test("accuracyReward() stays in [0, 1] on malformed and random input", () => {
  const pieces = [
    "<answer>",
    "</answer>",
    "(1)",
    "(B)",
    "B",
    "A",
    "3",
    "3.0",
    "three",
    ",",
    " ",
    "[0, 0, 10, 10]",
  ];
  const rng = new Rng(11);
  const inputs = [...MALFORMED];
  for (let i = 0; i < 1000; i++) {
    inputs.push(Array.from({ length: rng.int(0, 8) }, () => rng.pick(pieces)).join(""));
  }
  const loose = { numeric_tolerance: 0.1, iou_threshold: 0.5 };
  for (const c of inputs) {
    for (const solution of SOLUTIONS) {
      for (const r of [accuracyReward(c, { solution }), accuracyReward(c, { solution }, loose)]) {
        assert(
          Number.isFinite(r) && r >= 0 && r <= 1,
          `${r} on ${JSON.stringify(c.slice(0, 40))} / ${solution}`,
        );
      }
    }
  }
  // An empty answer and an empty solution normalise alike: the match that accuracy always made.
  assertEquals(accuracyReward(a(""), { solution: "" }), 1);
  assertEquals(accuracyReward(a("9".repeat(400)), { solution: "8" + "9".repeat(399) }, loose), 0);
});

Deno.test("accuracy and outcome judge a tagged solution (a data set's whole gpt turn) by its <answer>", async () => {
  const { outcome } = await import("../../../core/rewards/outcome.ts");
  const tagged = { solution: "<think>I count them.</think><answer> 2 </answer>" };
  assertEquals(accuracyReward("<think>x</think><answer>2</answer>", tagged), 1);
  assertEquals(accuracyReward("<think>x</think><answer>3</answer>", tagged), 0);
  const box = { solution: "<answer>[10, 10, 20, 20]</answer>" };
  assertEquals(accuracyReward("<answer>[10, 10, 20, 20]</answer>", box), 1);
  const sample = { ...tagged, id: "d-0", task: "d", prompt: "?", reference: "", meta: {}, imageSize: null };
  assertEquals(outcome.fn("<answer>two</answer>", sample, {}, { sayOnce: () => {} }), 3);
});

Deno.test("accuracyReward() reads a box answer in any form the iou reward reads, and takes the best box", () => {
  const box = { solution: "[10, 10, 50, 50]", imageSize: [100, 100] as [number, number] };
  // <click>x, y, w, h</click> = [10, 10, 50, 50].
  assertEquals(accuracyReward("<answer><click>10, 10, 40, 40</click></answer>", box), 1);
  assertEquals(accuracyReward('<answer>{"bbox_2d": [10, 10, 50, 50]}</answer>', box), 1);
  // Qwen's 0-1000 form on a 100 x 100 image: (100,100),(500,500) = [10, 10, 50, 50].
  assertEquals(accuracyReward("<answer><|box_start|>(100,100),(500,500)<|box_end|></answer>", box), 1);
  // A wrong box first, the right one second: the best pair counts, as in iou.
  assertEquals(accuracyReward("<answer>[60, 60, 90, 90] [10, 10, 50, 50]</answer>", box), 1);
  // IoU of [10, 10, 50, 50] with [30, 10, 70, 50]: 800 / 2400 = 1/3 < 0.5.
  assertEquals(accuracyReward("<answer>[30, 10, 70, 50]</answer>", box), 0);
});
