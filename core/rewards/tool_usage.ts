/**
 * tool_usage: are the completion's tool calls written the way the tools take them, are the ones that
 * answer (Identify) answered, and do the calls happen while thinking? The first part of the Ovis2.5
 * tool-calling reward (weight 0.4 in tool_calling).
 */
import { firstBlock, lexTags, readBoxArgument, type ToolCall, toolCalls } from "./tool_use.ts";
import type { RewardDefinition } from "./types.ts";

export type ToolUsageOptions = { tools: string[]; answered_tools: string[]; no_call_score: number };

export const TOOL_USAGE_DEFAULTS: Readonly<ToolUsageOptions> = {
  // The tools the model may call; each takes one box: <tool_call>Crop [x1, y1, x2, y2]</tool_call>.
  tools: ["Crop", "Identify"],
  // Those whose call must be followed by <tool_response>Name</tool_response>.
  answered_tools: ["Identify"],
  // The score of a completion that calls no tool. 0 by default: the reward exists to teach calling. A
  // data set where tools are optional may set, say, 0.5. The Ovis project chose 0 or 0.5 by looking for
  // words such as "who" or "region" in the completion itself, which a policy learns to avoid; we do not.
  no_call_score: 0,
};

const TOOL_NAME = /^[A-Za-z_][\w-]*$/;

/**
 * With C the <tool_call>s and W ⊆ C the well-formed ones (closed, a name from `tools`, and exactly
 * "[n, n, n, n]" after it):
 *   no call (C empty):   no_call_score
 *   W empty:             0
 *   otherwise:           0.3 · formatted + 0.4 · answered + 0.3 · in_think, where
 *     formatted = |W| / |C|
 *     answered  = the fraction of W's answered_tools calls followed by their <tool_response>; 1 when W
 *                 holds none (nothing to answer)
 *     in_think  = the fraction of W inside the first <think>...</think>; 0 without a closed <think>
 * Range [0, 1] (with no_call_score in [0, 1]). The Ovis weights 0.3 / 0.4 / 0.3 are kept; unlike theirs,
 * the parts are fractions (one stray call out of four costs a quarter, not all), and a completion of
 * Crop calls only can reach 1 (theirs stopped at 0.6 without an Identify).
 */
export function toolUsageReward(
  completion: string,
  options: Readonly<ToolUsageOptions> = TOOL_USAGE_DEFAULTS,
): number {
  checkToolUsageOptions("tool_usage", options);
  const tags = lexTags(completion);
  const calls = toolCalls(completion, tags);
  if (calls.length === 0) return options.no_call_score;
  const wellFormed = calls.filter((c) => isWellFormed(c, options.tools));
  if (wellFormed.length === 0) return 0;
  const formatted = wellFormed.length / calls.length;
  const toAnswer = wellFormed.filter((c) => options.answered_tools.includes(c.name!));
  const answered = toAnswer.length === 0 ? 1 : toAnswer.filter((c) => c.answered).length / toAnswer.length;
  const think = firstBlock(tags, "think");
  const inside = think ? wellFormed.filter((c) => c.start >= think.start && c.end <= think.end).length : 0;
  const inThink = inside / wellFormed.length;
  // Tenths, so that all parts at 1 give exactly 1.
  return (3 * formatted + 4 * answered + 3 * inThink) / 10;
}

/** Closed, a known tool, and its argument exactly a box of four numbers. */
export function isWellFormed(call: ToolCall, tools: readonly string[]): boolean {
  if (!call.closed || call.name === null || !tools.includes(call.name)) return false;
  const { box, exact } = readBoxArgument(call.argument);
  return box !== null && exact;
}

/** Tool names must be names, answered_tools must be among tools, no_call_score in [0, 1]. */
export function checkToolUsageOptions(reward: string, options: Readonly<ToolUsageOptions>): void {
  checkTools(reward, options.tools);
  for (const name of options.answered_tools) {
    if (!options.tools.includes(name)) {
      throw new Error(
        `${reward}: option answered_tools names "${name}", which is not in tools (${
          options.tools.join(", ")
        })`,
      );
    }
  }
  const s = options.no_call_score;
  if (!(Number.isFinite(s) && s >= 0 && s <= 1)) {
    throw new Error(`${reward}: option no_call_score must be a number in [0, 1], got ${s}`);
  }
}

/** At least one tool, each a plain name ("Crop", "Identify"), as the call grammar reads them. */
export function checkTools(reward: string, tools: readonly string[]): void {
  if (tools.length === 0) throw new Error(`${reward}: option tools is empty; name at least one tool`);
  for (const name of tools) {
    if (!TOOL_NAME.test(name)) {
      throw new Error(
        `${reward}: option tools has "${name}", which is no tool name (letters, digits, _ or -)`,
      );
    }
  }
}

export const toolUsage: RewardDefinition<ToolUsageOptions> = {
  name: "tool_usage",
  fn: (completion, _sample, options) => toolUsageReward(completion, options),
  defaults: {
    ...TOOL_USAGE_DEFAULTS,
    tools: [...TOOL_USAGE_DEFAULTS.tools],
    answered_tools: [...TOOL_USAGE_DEFAULTS.answered_tools],
  },
  range: "[0, 1]; no_call_score (default 0) when the completion calls no tool",
  doc: "0.3 · (well-formed calls / calls) + 0.4 · (answered Identify calls / Identify calls, 1 if none) + " +
    "0.3 · (well-formed calls inside <think> / well-formed calls); 0 when no call is well-formed",
  source: "Ovis2.5 tool-calling GRPO (Crop + Identify), tool usage correctness; after VLM-R³ " +
    "(arXiv:2505.16192)",
};
