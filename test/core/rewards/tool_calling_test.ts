import { assert, assertAlmostEquals, assertEquals } from "../../assert.ts";
import { bboxValidityReward } from "../../../core/rewards/bbox_validity.ts";
import { reasoningQualityReward } from "../../../core/rewards/reasoning_quality.ts";
import { TOOL_CALLING_DEFAULTS, toolCalling, toolCallingReward } from "../../../core/rewards/tool_calling.ts";
import { toolUsageReward } from "../../../core/rewards/tool_usage.ts";
import { GOOD, MALFORMED, toolSample } from "./tool_use_fixtures.ts";

Deno.test("toolCallingReward() is 1 when every part is 1", () => {
  assertEquals(toolCallingReward(GOOD, toolSample()), 1);
});

Deno.test("toolCallingReward() is 0.4 · tool_usage + 0.3 · bbox_validity + 0.3 · reasoning_quality", () => {
  // The Identify unanswered: tool_usage 0.6, boxes 1, reasoning 1 (48 words, no response to take up):
  // 0.4 · 0.6 + 0.3 + 0.3 = 0.84.
  assertAlmostEquals(
    toolCallingReward(GOOD.replace("<tool_response>Ada</tool_response>", ""), toolSample()),
    0.84,
    1e-15,
  );
  // GOOD in a 59 x 100 image: the Crop box [10, 20, 60, 80] leaves it (60 > 59), the Identify box
  // [12, 22, 40, 78] does not, so boxes 1/2:
  // 0.4 · 1 + 0.3 · 0.5 + 0.3 · 1 = 0.85.
  assertAlmostEquals(toolCallingReward(GOOD, toolSample([59, 100])), 0.85, 1e-15);
});

Deno.test("toolCallingReward() counts a null bbox_validity as 0, as the registry's weighted sum does", () => {
  // No call: tool_usage 0, bbox_validity null, reasoning 1 (21 words): 0.3 · 1.
  const noCall = `<think>${"word ".repeat(11)}</think><answer>${"word ".repeat(10)}</answer>`;
  assertEquals(bboxValidityReward(noCall, toolSample()), null);
  assertAlmostEquals(toolCallingReward(noCall, toolSample()), 0.3, 1e-15);
  // With no_call_score 0.5: 0.4 · 0.5 + 0.3 = 0.5.
  assertAlmostEquals(
    toolCallingReward(noCall, toolSample(), { ...TOOL_CALLING_DEFAULTS, no_call_score: 0.5 }),
    0.5,
    1e-15,
  );
});

Deno.test("toolCallingReward() equals the weighted sum of its three parts on every fixture", () => {
  for (const c of [GOOD, ...MALFORMED]) {
    for (const size of [[112, 112], [20, 20], null] as const) {
      const sample = toolSample(size as [number, number] | null);
      const parts = 0.4 * toolUsageReward(c) + 0.3 * (bboxValidityReward(c, sample) ?? 0) +
        0.3 * reasoningQualityReward(c);
      assertAlmostEquals(toolCallingReward(c, sample), parts, 1e-12, c.slice(0, 40));
    }
  }
});

Deno.test("toolCallingReward() passes its options to the parts", () => {
  const options = { ...TOOL_CALLING_DEFAULTS, tools: ["Zoom"], answered_tools: [], coordinates: "norm1" };
  const text = `<think>${
    "word ".repeat(11)
  }<tool_call>Zoom [0, 0, 0.5, 2]</tool_call></think><answer>x</answer>`;
  // tool_usage 1; bbox_validity 0 (y2 = 2 > 1); reasoning 1 · 0.5 (17 words < 20): 0.4 + 0 + 0.15.
  assertAlmostEquals(toolCallingReward(text, toolSample(), options), 0.55, 1e-15);
});

Deno.test("toolCallingReward() gives a number in [0, 1] on malformed completions, fast", () => {
  for (const c of MALFORMED) {
    const v = toolCallingReward(c, toolSample());
    assert(Number.isFinite(v) && v >= 0 && v <= 1, `${v} on ${c.slice(0, 40)}`);
  }
});

Deno.test("toolCalling is a RewardDefinition whose defaults are its parts' defaults", async () => {
  assertEquals(toolCalling.name, "tool_calling");
  assertEquals(toolCalling.defaults, {
    tools: ["Crop", "Identify"],
    answered_tools: ["Identify"],
    no_call_score: 0,
    coordinates: "pixels",
    min_words: 20,
    max_words: 1000,
  });
  assertEquals(await toolCalling.fn(GOOD, toolSample(), toolCalling.defaults, { sayOnce() {} }), 1);
});
