import { assert, assertEquals, assertThrows } from "../../assert.ts";
import { format, formatPartial, formatReward, partialFormatReward } from "../../../core/rewards/format.ts";
import { Rng } from "../../../core/random.ts";
import type { RewardSample } from "../../../core/rewards/types.ts";

const sample: RewardSample = {
  id: "count-5-0",
  task: "count",
  prompt: "How many circles?",
  solution: "2",
  reference: "<think>two circles</think><answer>2</answer>",
  meta: {},
  imageSize: [112, 112],
};
const ctx = { sayOnce: () => {} };

/** Malformed completions every reward must survive. */
const MALFORMED = [
  "",
  "<think>",
  "</think></answer>",
  "<think>a</think><answer>unclosed",
  "<answer><answer>x</answer></answer>",
  "<think><answer>1</answer></think>",
  "<answer>NaN</answer><answer>Infinity</answer>",
  "<answer>-1e308 " + "9".repeat(400) + "</answer>",
  "😀 日本語 <think>über</think> \ud800",
  "x".repeat(10000),
];

/** 10,000-character completions built to make a careless scanner quadratic. */
const ADVERSARIAL = [
  "<think>".repeat(1429),
  "<answer>".repeat(1250),
  "<think></think>".repeat(666),
  "<think>" + " ".repeat(9985) + "</think>",
  "<think>a</think>" + " ".repeat(9984),
  "<".repeat(10000),
];

Deno.test("formatReward() is 1 only for exactly one think block then one answer block", () => {
  assertEquals(formatReward("<think>two red circles</think><answer>2</answer>"), 1);
  assertEquals(formatReward("<think>a</think>\n<answer>2</answer><|im_end|>"), 1);
  assertEquals(formatReward("  <think>a</think>  <answer>2</answer>\n<|im_end|>\n"), 1);
  assertEquals(formatReward("<think></think><answer></answer>"), 1);
  assertEquals(formatReward("<answer>2</answer>"), 0);
  assertEquals(formatReward("<think>a</think>"), 0);
  assertEquals(formatReward("<answer>2</answer><think>a</think>"), 0);
  assertEquals(formatReward("<think>a</think><answer>2</answer> extra"), 0);
  assertEquals(formatReward("lead <think>a</think><answer>2</answer>"), 0);
  assertEquals(formatReward("<think>a</think><answer>2</answer><answer>3</answer>"), 0);
  assertEquals(formatReward("<THINK>a</THINK><answer>2</answer>"), 0);
  assertEquals(formatReward("<think>a</think><answer>2</answer><|im_end|><|im_end|>"), 0);
});

Deno.test("formatReward() is 0 when a tag repeats or nests inside a block", () => {
  assertEquals(formatReward("<think>a</think></think><answer>2</answer>"), 0);
  assertEquals(formatReward("<think>a <think>b</think><answer>2</answer>"), 0);
  assertEquals(formatReward("<think>a</answer></think><answer>2</answer>"), 0);
  assertEquals(formatReward("<think>a<answer>1</answer></think><answer>2</answer>"), 0);
  assertEquals(formatReward("<think>a</think><answer>2 <think></answer>"), 0);
  // Tags that are not listed are text like any other.
  assertEquals(formatReward("<think>a <b>bold</b></think><answer><scan>2</scan></answer>"), 1);
});

Deno.test("formatReward() follows the tags option, in its order", () => {
  const three = ["think", "explain", "answer"];
  assertEquals(formatReward("<think>t</think><explain>e</explain><answer>a</answer>", three), 1);
  assertEquals(formatReward("<think>t</think><answer>a</answer><explain>e</explain>", three), 0);
  assertEquals(formatReward("<think>t</think><answer>a</answer>", three), 0);
  const scan = ["scan", "think", "answer"];
  assertEquals(formatReward("<scan>s</scan>\n<think>t</think>\n<answer>a</answer>", scan), 1);
  assertEquals(formatReward("<think>t</think><scan>s</scan><answer>a</answer>", scan), 0);
  assertEquals(formatReward("<answer>3</answer>", ["answer"]), 1);
});

Deno.test("format.fn() with its defaults scores as formatReward()", () => {
  for (const c of ["<think>a</think><answer>2</answer>", "<answer>2</answer>", ...MALFORMED]) {
    assertEquals(format.fn(c, sample, format.defaults, ctx), formatReward(c));
  }
  assertEquals(format.defaults, { tags: ["think", "answer"] });
});

Deno.test("formatReward() and partialFormatReward() name the reward when the tags option is bad", () => {
  assertThrows(() => formatReward("x", []), Error, "format: option tags is empty");
  assertThrows(() => formatReward("x", ["th ink"]), Error, 'format: option tags has "th ink"');
  assertThrows(() => formatReward("x", ["<think>"]), Error, "which is no tag name");
  assertThrows(
    () => partialFormatReward("x", ["a", "a"]),
    Error,
    "format_partial: option tags names a tag twice",
  );
});

Deno.test("partialFormatReward() gives 0.3 per tag present and 0.4 for the order", () => {
  // Both present (0.3 + 0.3) and </think> before <answer> (0.4): 1.
  assertEquals(partialFormatReward("<think>a</think><answer>b</answer>"), 1);
  // Text around the blocks is not judged here.
  assertEquals(partialFormatReward("so <think>a</think> then <answer>b</answer> done"), 1);
  assertEquals(partialFormatReward("<think>a</think>"), 0.3);
  assertEquals(partialFormatReward("<answer>b</answer>"), 0.3);
  // Both present, wrong order: 0.3 + 0.3.
  assertEquals(partialFormatReward("<answer>b</answer><think>a</think>"), 0.6);
  // The answer block opens before </think>: present twice, order not met.
  assertEquals(partialFormatReward("<think>a<answer>b</answer></think>"), 0.6);
  // "Present" needs the closing tag after the opening one.
  assertEquals(partialFormatReward("</think><think>a <answer>b</answer>"), 0.3);
  assertEquals(partialFormatReward(""), 0);
  assertEquals(partialFormatReward("<think>a"), 0);
});

Deno.test("partialFormatReward() splits 0.6 over k tags", () => {
  const scan = ["scan", "think", "answer"];
  assertEquals(partialFormatReward("<scan>s</scan><think>t</think><answer>a</answer>", scan), 1);
  // Two of three present: 0.6 · 2/3 = 0.4; one: 0.2.
  assertEquals(partialFormatReward("<think>t</think><answer>a</answer>", scan), 0.4);
  assertEquals(partialFormatReward("<answer>a</answer>", scan), 0.2);
  assertEquals(partialFormatReward("<think>t</think><scan>s</scan><answer>a</answer>", scan), 0.6);
  assertEquals(partialFormatReward("<answer>a</answer>", ["answer"]), 1);
});

Deno.test("format and format_partial give only their documented values on random and malformed input", () => {
  const pieces = [
    "<think>",
    "</think>",
    "<answer>",
    "</answer>",
    "a",
    " ",
    "\n",
    "<|im_end|>",
    "3",
    "😀",
    "<",
  ];
  const rng = new Rng(7);
  const inputs = [...MALFORMED, ...ADVERSARIAL];
  for (let i = 0; i < 2000; i++) {
    inputs.push(Array.from({ length: rng.int(0, 12) }, () => rng.pick(pieces)).join(""));
  }
  const seen = new Set<number>();
  for (const c of inputs) {
    const strict = format.fn(c, sample, format.defaults, ctx) as number;
    const partial = formatPartial.fn(c, sample, formatPartial.defaults, ctx) as number;
    assert(strict === 0 || strict === 1, `format ${strict} on ${JSON.stringify(c.slice(0, 40))}`);
    assert(
      [0, 0.3, 0.6, 1].includes(partial),
      `format_partial ${partial} on ${JSON.stringify(c.slice(0, 40))}`,
    );
    // A completion in the exact structure has every tag present and in order.
    if (strict === 1) assertEquals(partial, 1);
    seen.add(partial);
  }
  assertEquals([...seen].sort(), [0, 0.3, 0.6, 1]);
});

Deno.test("format and format_partial stay in range on 10,000 adversarial characters", () => {
  for (const c of ADVERSARIAL) {
    assertEquals(c.length >= 9990 && c.length <= 10005, true, `length ${c.length}`);
    formatReward(c);
    formatReward(c, ["scan", "think", "explain", "answer"]);
    partialFormatReward(c);
  }
});
