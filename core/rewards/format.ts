/**
 * format: 1 when the completion is exactly <think>...</think><answer>...</answer> (whitespace between
 * and around the parts allowed, a trailing <|im_end|> ignored), else 0. Range {0, 1}.
 */
const STRICT = /^\s*<think>[\s\S]*?<\/think>\s*<answer>[\s\S]*?<\/answer>\s*$/;

export function formatReward(completion: string): number {
  const text = completion.replace(/<\|im_end\|>\s*$/, "");
  // Exactly one of each tag: a second <think> or <answer> inside the parts breaks the structure.
  const once = (tag: string) => text.split(tag).length === 2;
  return STRICT.test(text) && once("<think>") && once("<answer>") ? 1 : 0;
}
