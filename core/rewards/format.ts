/**
 * The format rewards: are the required tags there, and in order? `format` asks for exactly the tagged
 * structure, `format_partial` gives part credit. Both scan with indexOf (linear in the completion).
 */
import { withoutEndToken } from "./answer.ts";
import type { RewardDefinition } from "./types.ts";

export type FormatOptions = { tags: string[] };

/** The default structure: R1's <think>...</think><answer>...</answer>. */
export const DEFAULT_TAGS: readonly string[] = ["think", "answer"];

const TAG_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * Checks the tags option: at least one name, each a plain tag name, none twice. A bad list is a
 * configuration error, said with the reward's name, not a 0 for every completion.
 */
function checkTags(reward: string, tags: readonly string[]): void {
  if (tags.length === 0) throw new Error(`${reward}: option tags is empty; give at least one tag name`);
  for (const tag of tags) {
    if (!TAG_NAME.test(tag)) throw new Error(`${reward}: option tags has "${tag}", which is no tag name`);
  }
  if (new Set(tags).size !== tags.length) {
    throw new Error(`${reward}: option tags names a tag twice: ${tags.join(", ")}`);
  }
}

/**
 * 1 when the completion is exactly <t1>...</t1><t2>...</t2>... for the given tags, in that order, else 0.
 * Blanks around and between the blocks and one trailing <|im_end|> are allowed; nothing else is: no text
 * outside the blocks, no tag twice, no listed tag (opening or closing) inside another's block. The default
 * tags keep this the check evaluate.ts and the registry have always used.
 */
export function formatReward(completion: string, tags: readonly string[] = DEFAULT_TAGS): number {
  checkTags("format", tags);
  const text = withoutEndToken(completion);
  const markers = tags.flatMap((t) => [`<${t}>`, `</${t}>`]);
  let pos = skipBlanks(text, 0);
  for (const tag of tags) {
    const open = `<${tag}>`;
    const close = `</${tag}>`;
    if (!text.startsWith(open, pos)) return 0;
    const end = text.indexOf(close, pos + open.length);
    if (end < 0) return 0;
    const body = text.slice(pos + open.length, end);
    // A marker in the body is nesting or a repeated tag; either breaks the structure.
    if (markers.some((m) => body.includes(m))) return 0;
    pos = skipBlanks(text, end + close.length);
  }
  return pos === text.length ? 1 : 0;
}

/** The first index at or after `from` that is not whitespace. */
function skipBlanks(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text[i])) i++;
  return i;
}

/** Share of the partial reward for the tags being present (split evenly) and for their order. */
const PRESENCE_TENTHS = 6;
const ORDER_TENTHS = 4;

/**
 * 0.6·(present tags)/k + 0.4·[every tag present and each block closes before the next opens], for k
 * tags; with the default two this is 0.3 (think) + 0.3 (answer) + 0.4 (</think> before <answer>). A tag
 * is present when its opening tag occurs and its closing tag follows it; the first of each counts.
 * Text around the blocks and repeated tags are not judged here (`format` judges them).
 */
export function partialFormatReward(completion: string, tags: readonly string[] = DEFAULT_TAGS): number {
  checkTags("format_partial", tags);
  const blocks = tags.map((tag) => {
    const open = completion.indexOf(`<${tag}>`);
    const close = open < 0 ? -1 : completion.indexOf(`</${tag}>`, open + tag.length + 2);
    return { open, end: close < 0 ? -1 : close + tag.length + 3 };
  });
  const present = blocks.filter((b) => b.end >= 0).length;
  const ordered = present === tags.length && blocks.every((b, i) => i === 0 || blocks[i - 1].end <= b.open);
  // Summed in tenths and divided once, so that the default gives exactly 0.3, 0.6 and 1 (0.3 + 0.3 + 0.4
  // in doubles is 1, but 0.2 + 0.2 + 0.2 for three tags would be 0.6000000000000001).
  return (PRESENCE_TENTHS * present / tags.length + (ordered ? ORDER_TENTHS : 0)) / 10;
}

export const format: RewardDefinition<FormatOptions> = {
  name: "format",
  fn: (completion, _sample, options) => formatReward(completion, options.tags),
  defaults: { tags: [...DEFAULT_TAGS] },
  range: "{0, 1}",
  doc:
    "1 when the completion (blanks and one trailing <|im_end|> aside) is exactly <t1>...</t1><t2>...</t2>" +
    "... for the tags in order, each once, none nested; else 0",
  source: "DeepSeek-R1's format reward, as in open-r1 and VLM-R1; tag list after VLM-R1 (explain) and " +
    "Visual-R1 (scan)",
};

export const formatPartial: RewardDefinition<FormatOptions> = {
  name: "format_partial",
  fn: (completion, _sample, options) => partialFormatReward(completion, options.tags),
  defaults: { tags: [...DEFAULT_TAGS] },
  range: "{0, 0.3, 0.6, 1} with the default two tags; {0.6·m/k : m = 0..k} ∪ {1} for k tags",
  doc: "0.6·(tags present)/k + 0.4 when all are present and each closes before the next opens; " +
    "default: 0.3 <think> + 0.3 <answer> + 0.4 </think> before <answer>",
  source: "Qwen-VL GRPO's format reward (0.3 think + 0.3 answer + 0.4 order)",
};
