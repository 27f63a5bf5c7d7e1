/**
 * tool_calling: the Ovis2.5 project's three-part tool-calling reward as one number.
 */
import { BBOX_VALIDITY_DEFAULTS, bboxValidityReward } from "./bbox_validity.ts";
import { REASONING_QUALITY_DEFAULTS, reasoningQualityReward } from "./reasoning_quality.ts";
import { TOOL_USAGE_DEFAULTS, toolUsageReward } from "./tool_usage.ts";
import type { RewardDefinition, RewardSample } from "./types.ts";

/** Every part's options, under the same names (tools is shared by tool_usage and bbox_validity). */
export type ToolCallingOptions = {
  tools: string[];
  answered_tools: string[];
  no_call_score: number;
  coordinates: string;
  min_words: number;
  max_words: number;
};

export const TOOL_CALLING_DEFAULTS: Readonly<ToolCallingOptions> = {
  ...TOOL_USAGE_DEFAULTS,
  ...BBOX_VALIDITY_DEFAULTS,
  ...REASONING_QUALITY_DEFAULTS,
};

/**
 * 0.4 · tool_usage + 0.3 · bbox_validity + 0.3 · reasoning_quality, a null bbox_validity (no box to
 * judge) counting 0: the same total as reward_funcs tool_usage, bbox_validity, reasoning_quality with
 * reward_weights 0.4, 0.3, 0.3 (the registry's weighted sum adds nothing for a null). The weights are the
 * Ovis project's and fixed here; for others, list the three parts with weights of your own.
 * Range [0, 1] (with no_call_score in [0, 1]).
 */
export function toolCallingReward(
  completion: string,
  sample: Pick<RewardSample, "imageSize">,
  options: Readonly<ToolCallingOptions> = TOOL_CALLING_DEFAULTS,
): number {
  const usage = toolUsageReward(completion, options);
  const boxes = bboxValidityReward(completion, sample, options) ?? 0;
  const reasoning = reasoningQualityReward(completion, options);
  // Tenths, so that all parts at 1 give exactly 1.
  return (4 * usage + 3 * boxes + 3 * reasoning) / 10;
}

export const toolCalling: RewardDefinition<ToolCallingOptions> = {
  name: "tool_calling",
  fn: (completion, sample, options) => toolCallingReward(completion, sample, options),
  defaults: {
    ...TOOL_CALLING_DEFAULTS,
    tools: [...TOOL_CALLING_DEFAULTS.tools],
    answered_tools: [...TOOL_CALLING_DEFAULTS.answered_tools],
  },
  range: "[0, 1]",
  doc: "0.4 · tool_usage + 0.3 · bbox_validity (0 when it is null) + 0.3 · reasoning_quality",
  source: "Ovis2.5 tool-calling GRPO (Crop + Identify), ToolCallingRewardModel's weighted sum",
};
