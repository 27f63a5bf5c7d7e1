import { assert, assertEquals, assertThrows } from "../../assert.ts";
import { TOOL_USAGE_DEFAULTS, toolUsage, toolUsageReward } from "../../../core/rewards/tool_usage.ts";
import { GOOD, MALFORMED, toolSample } from "./tool_use_fixtures.ts";

Deno.test("toolUsageReward() is 1 for well-formed, answered calls inside <think>", () => {
  assertEquals(toolUsageReward(GOOD), 1);
});

Deno.test("toolUsageReward() weighs formatted 0.3, answered 0.4, in <think> 0.3", () => {
  // The Identify call unanswered: (3 · 1 + 4 · 0 + 3 · 1) / 10.
  assertEquals(toolUsageReward(GOOD.replace("<tool_response>Ada</tool_response>", "")), 0.6);
  // No <think>: (3 · 1 + 4 · 1 + 3 · 0) / 10.
  assertEquals(toolUsageReward("<tool_call>Crop [1, 2, 3, 4]</tool_call><answer>x</answer>"), 0.7);
  // One call in <think>, one after it: in_think 1/2, so (3 + 4 + 1.5) / 10.
  const half =
    "<think><tool_call>Crop [1, 2, 3, 4]</tool_call></think><tool_call>Crop [1, 2, 3, 4]</tool_call>";
  assertEquals(toolUsageReward(half), 0.85);
  // Three well-formed calls in <think> and one unknown tool: formatted 3/4, so (2.25 + 4 + 3) / 10.
  const stray = "<think>" + "<tool_call>Crop [1, 2, 3, 4]</tool_call>".repeat(3) +
    "<tool_call>Zoom [1, 2, 3, 4]</tool_call></think>";
  assertEquals(toolUsageReward(stray), 0.925);
  // Two Identify calls, one answered: answered 1/2, so (3 + 2 + 3) / 10.
  const oneOfTwo = "<think><tool_call>Identify [1, 2, 3, 4]</tool_call><tool_response>Ada</tool_response>" +
    "<tool_call>Identify [1, 2, 3, 4]</tool_call></think>";
  assertEquals(toolUsageReward(oneOfTwo), 0.8);
});

Deno.test("toolUsageReward() counts a call malformed when unclosed, unknown, or its box is not four numbers", () => {
  for (
    const call of [
      "<tool_call>Crop [1, 2, 3, 4]",
      "<tool_call>Zoom [1, 2, 3, 4]</tool_call>",
      "<tool_call>crop [1, 2, 3, 4]</tool_call>",
      "<tool_call>Crop 1, 2, 3, 4</tool_call>",
      "<tool_call>Crop [1, 2, 3]</tool_call>",
      "<tool_call>Crop [x, 2, 3, 4]</tool_call>",
      "<tool_call>Crop [1, 2, 3, 4] now</tool_call>",
      "<tool_call>[1, 2, 3, 4]</tool_call>",
      "<tool_call></tool_call>",
    ]
  ) {
    // Alone: no well-formed call, so 0. Beside a good one in <think>: formatted 1/2, (1.5 + 4 + 3) / 10.
    assertEquals(toolUsageReward(`<think>${call}</think>`), 0, call);
    assertEquals(
      toolUsageReward(`<think><tool_call>Crop [1, 2, 3, 4]</tool_call>${call}</think>`),
      0.85,
      call,
    );
  }
});

Deno.test("toolUsageReward() gives no_call_score when the completion calls no tool", () => {
  assertEquals(toolUsageReward("<think>I can see it plainly.</think><answer>3</answer>"), 0);
  assertEquals(toolUsageReward("<answer>3</answer>", { ...TOOL_USAGE_DEFAULTS, no_call_score: 0.5 }), 0.5);
});

Deno.test("toolUsageReward() reads other tool sets from its options", () => {
  const options = { tools: ["Zoom", "Ask"], answered_tools: ["Ask"], no_call_score: 0 };
  assertEquals(toolUsageReward("<think><tool_call>Zoom [1, 2, 3, 4]</tool_call></think>", options), 1);
  // Crop is not a tool here: formatted 1/2, (1.5 + 4 + 3) / 10.
  const text =
    "<think><tool_call>Zoom [1, 2, 3, 4]</tool_call><tool_call>Crop [1, 2, 3, 4]</tool_call></think>";
  assertEquals(toolUsageReward(text, options), 0.85);
});

Deno.test("toolUsageReward() names a bad option", () => {
  const bad = (o: Partial<typeof TOOL_USAGE_DEFAULTS>) => () =>
    toolUsageReward(GOOD, { ...TOOL_USAGE_DEFAULTS, ...o });
  assertThrows(bad({ tools: [] }), Error, "tool_usage: option tools is empty");
  assertThrows(bad({ tools: ["Crop it"] }), Error, 'tool_usage: option tools has "Crop it"');
  assertThrows(
    bad({ answered_tools: ["Ask"] }),
    Error,
    'option answered_tools names "Ask", which is not in tools',
  );
  assertThrows(
    bad({ no_call_score: 2 }),
    Error,
    "tool_usage: option no_call_score must be a number in [0, 1]",
  );
});

Deno.test("toolUsageReward() gives a number in [0, 1] on malformed completions, fast", () => {
  for (const c of MALFORMED) {
    const v = toolUsageReward(c);
    assert(Number.isFinite(v) && v >= 0 && v <= 1, `${v} on ${c.slice(0, 40)}`);
  }
});

Deno.test("toolUsage is a RewardDefinition with Crop and Identify by default", async () => {
  assertEquals(toolUsage.name, "tool_usage");
  assertEquals(toolUsage.defaults, {
    tools: ["Crop", "Identify"],
    answered_tools: ["Identify"],
    no_call_score: 0,
  });
  assertEquals(await toolUsage.fn(GOOD, toolSample(), toolUsage.defaults, { sayOnce() {} }), 1);
});
