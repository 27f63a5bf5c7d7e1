/**
 * reasoning_quality: is there a thought and an answer, does the thought come before the first tool call,
 * is each tool's response taken up, and is the whole of a sensible length? The third part of the
 * Ovis2.5 tool-calling reward (weight 0.3 in tool_calling).
 */
import { countWords, firstBlock, lexTags } from "./tool_use.ts";
import type { RewardDefinition } from "./types.ts";

export type ReasoningQualityOptions = { min_words: number; max_words: number };

export const REASONING_QUALITY_DEFAULTS: Readonly<ReasoningQualityOptions> = {
  min_words: 20,
  max_words: 1000,
};

/** Reasoning before the first tool call must have more than this many words (the Ovis project's 10). */
export const WORDS_BEFORE_TOOL = 10;
/** The text after a tool response must have more than this many words to count as using it (theirs, 5). */
export const WORDS_AFTER_RESPONSE = 5;
/** The length factor below min_words and above max_words (theirs). */
const SHORT_FACTOR = 0.5;
const LONG_FACTOR = 0.8;

/**
 * (0.3 · think + 0.3 · answer + 0.2 · before + 0.2 · after) · length, where
 *   think  = 1 when there is a closed <think>...</think>
 *   answer = 1 when there is a closed <answer>...</answer>
 *   before = 1 when the <think> body up to its first <tool_call> (all of it when it calls no tool) has
 *            more than 10 words; 0 without a <think>
 *   after  = the fraction of </tool_response>s followed by more than 5 words before the next tag (or
 *            the end); 1 when there is no tool response
 *   length = 0.5 below min_words words in all, 0.8 above max_words, else 1 (words: countWords)
 * Range [0, 1]. Unlike the Ovis project's, `before` and `after` do not need tools, so that this part
 * judges reasoning alone and tool_usage judges the calls; the length factor scales all four (theirs
 * scaled three, then added the fourth).
 */
export function reasoningQualityReward(
  completion: string,
  options: Readonly<ReasoningQualityOptions> = REASONING_QUALITY_DEFAULTS,
): number {
  const { min_words, max_words } = checkWordRange(options);
  const tags = lexTags(completion);
  const think = firstBlock(tags, "think");
  const answer = firstBlock(tags, "answer");
  let before = 0;
  if (think) {
    const body = completion.slice(think.start, think.end);
    const call = body.indexOf("<tool_call>");
    before = countWords(call < 0 ? body : body.slice(0, call)) > WORDS_BEFORE_TOOL ? 1 : 0;
  }
  let responses = 0, followed = 0;
  tags.forEach((tag, i) => {
    if (tag.name !== "tool_response" || !tag.closing) return;
    responses++;
    const until = tags[i + 1]?.start ?? completion.length;
    if (countWords(completion.slice(tag.end, until)) > WORDS_AFTER_RESPONSE) followed++;
  });
  const after = responses === 0 ? 1 : followed / responses;
  const words = countWords(completion);
  const length = words < min_words ? SHORT_FACTOR : words > max_words ? LONG_FACTOR : 1;
  // Tenths, so that all parts at 1 give exactly 1.
  return ((3 * (think ? 1 : 0) + 3 * (answer ? 1 : 0) + 2 * before + 2 * after) / 10) * length;
}

/** 0 <= min_words <= max_words, both finite; a bad pair is a configuration error naming the option. */
function checkWordRange(options: Readonly<ReasoningQualityOptions>): ReasoningQualityOptions {
  const { min_words, max_words } = options;
  if (!Number.isFinite(min_words) || min_words < 0) {
    throw new Error(`reasoning_quality: option min_words must be a finite number >= 0, got ${min_words}`);
  }
  if (!Number.isFinite(max_words) || max_words < min_words) {
    throw new Error(
      `reasoning_quality: option max_words must be a finite number >= min_words (${min_words}), got ${max_words}`,
    );
  }
  return { min_words, max_words };
}

export const reasoningQuality: RewardDefinition<ReasoningQualityOptions> = {
  name: "reasoning_quality",
  fn: (completion, _sample, options) => reasoningQualityReward(completion, options),
  defaults: { ...REASONING_QUALITY_DEFAULTS },
  range: "[0, 1]",
  doc: "(0.3 · <think> + 0.3 · <answer> + 0.2 · (> 10 words before the first tool call) + 0.2 · " +
    "(share of tool responses followed by > 5 words)) · (0.5 below min_words words, 0.8 above max_words)",
  source: "Ovis2.5 tool-calling GRPO (Crop + Identify), reasoning quality",
};
