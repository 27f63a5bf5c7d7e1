import { assert, assertEquals, assertThrows } from "../../assert.ts";
import {
  REASONING_QUALITY_DEFAULTS,
  reasoningQuality,
  reasoningQualityReward,
} from "../../../core/rewards/reasoning_quality.ts";
import { GOOD, MALFORMED, toolSample } from "./tool_use_fixtures.ts";

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(" ");

Deno.test("reasoningQualityReward() is 1 for think, answer, reasoning first, responses taken up, 20-1000 words", () => {
  assertEquals(reasoningQualityReward(GOOD), 1);
  // No tool at all: reasoning comes first trivially and no response waits; 11 + 10 words in all.
  assertEquals(reasoningQualityReward(`<think>${words(11)}</think><answer>${words(10)}</answer>`), 1);
});

Deno.test("reasoningQualityReward() weighs think 0.3, answer 0.3, before 0.2, after 0.2", () => {
  // No <think>: (0 + 3 + 0 + 2) / 10, 21 words.
  assertEquals(reasoningQualityReward(`<answer>${words(21)}</answer>`), 0.5);
  // No <answer>: (3 + 0 + 2 + 2) / 10.
  assertEquals(reasoningQualityReward(`<think>${words(21)}</think>`), 0.7);
  // Unclosed blocks are no blocks: 0 + 0 + 0 + 2, 21 words.
  assertEquals(reasoningQualityReward(`<think><answer>${words(21)}`), 0.2);
});

Deno.test("reasoningQualityReward() wants more than 10 words before the first tool call", () => {
  const call = "<tool_call>Crop [1, 2, 3, 4]</tool_call>";
  const answer = `<answer>${words(20)}</answer>`;
  // Exactly 10 words: before 0, so (3 + 3 + 0 + 2) / 10.
  assertEquals(reasoningQualityReward(`<think>${words(10)} ${call} ${words(5)}</think>${answer}`), 0.8);
  assertEquals(reasoningQualityReward(`<think>${words(11)} ${call}</think>${answer}`), 1);
  // Only the text before the first call counts.
  assertEquals(reasoningQualityReward(`<think>${call} ${words(30)} ${call}</think>${answer}`), 0.8);
});

Deno.test("reasoningQualityReward() wants more than 5 words after each tool response", () => {
  const think = (after1: number, after2: number) =>
    `<think>${words(11)} <tool_call>Identify [1, 2, 3, 4]</tool_call><tool_response>Ada</tool_response>` +
    `${words(after1)}<tool_call>Identify [1, 2, 3, 4]</tool_call><tool_response>Bo</tool_response>` +
    `${words(after2)}</think><answer>x</answer>`;
  assertEquals(reasoningQualityReward(think(6, 6)), 1);
  // One of two taken up: after 1/2, so (3 + 3 + 2 + 1) / 10.
  assertEquals(reasoningQualityReward(think(6, 5)), 0.9);
  assertEquals(reasoningQualityReward(think(0, 5)), 0.8);
});

Deno.test("reasoningQualityReward() halves below min_words and takes 0.8 above max_words", () => {
  // 19 words: 0.5.
  assertEquals(reasoningQualityReward(`<think>${words(11)}</think><answer>${words(8)}</answer>`), 0.5);
  // 1001 words: 0.8.
  assertEquals(reasoningQualityReward(`<think>${words(1000)}</think><answer>x</answer>`), 0.8);
  // No tags at all, 3 words: after 1 only, (0 + 0 + 0 + 2) / 10 · 0.5.
  assertEquals(reasoningQualityReward("just an answer"), 0.1);
  const options = { min_words: 2, max_words: 5 };
  assertEquals(
    reasoningQualityReward("<think>a b c d e f g h i j k</think><answer>x</answer>", options),
    0.8,
  );
  assertEquals(reasoningQualityReward("<think>a b c</think><answer>x</answer>", options), 0.8);
});

Deno.test("reasoningQualityReward() names a bad option", () => {
  assertThrows(
    () => reasoningQualityReward(GOOD, { ...REASONING_QUALITY_DEFAULTS, min_words: -1 }),
    Error,
    "reasoning_quality: option min_words must be a finite number >= 0, got -1",
  );
  assertThrows(
    () => reasoningQualityReward(GOOD, { min_words: 20, max_words: 10 }),
    Error,
    "reasoning_quality: option max_words must be a finite number >= min_words (20), got 10",
  );
});

Deno.test("reasoningQualityReward() gives a number in [0, 1] on malformed completions, fast", () => {
  for (const c of MALFORMED) {
    const v = reasoningQualityReward(c);
    assert(Number.isFinite(v) && v >= 0 && v <= 1, `${v} on ${c.slice(0, 40)}`);
  }
});

Deno.test("reasoningQuality is a RewardDefinition with 20-1000 words by default", async () => {
  assertEquals(reasoningQuality.name, "reasoning_quality");
  assertEquals(reasoningQuality.defaults, { min_words: 20, max_words: 1000 });
  assertEquals(await reasoningQuality.fn(GOOD, toolSample(), reasoningQuality.defaults, { sayOnce() {} }), 1);
});
