/**
 * The structure of a tool-using completion, read once for the tool-use rewards (tool_usage,
 * bbox_validity, reasoning_quality, tool_calling) and for visual_grounding. The shape they expect, after
 * the Ovis2.5 tool-calling project:
 *
 *   <think>The sign is small, so I crop it first ... <tool_call>Crop [40, 10, 90, 60]</tool_call>
 *   ... <tool_call>Identify [12, 30, 40, 58]</tool_call><tool_response>Ada</tool_response> ... </think>
 *   <answer>...</answer>
 *
 * Only the four tags <think>, <answer>, <tool_call> and <tool_response> (and their closings) are
 * structure; one regex of literal alternatives finds them all in a single linear pass, and everything
 * else works on that list with no further scan of the text.
 */
import type { Box } from "../data/sample.ts";
import { readNumber } from "./boxes.ts";

const TAG = /<(\/?)(think|answer|tool_call|tool_response)>/g;

/** One structural tag: `start` is the index of its "<", `end` the index after its ">". */
export interface Tag {
  name: "think" | "answer" | "tool_call" | "tool_response";
  closing: boolean;
  start: number;
  end: number;
}

/** Every structural tag in `text`, in order. */
export function lexTags(text: string): Tag[] {
  return Array.from(text.matchAll(TAG), (m) => ({
    name: m[2] as Tag["name"],
    closing: m[1] === "/",
    start: m.index,
    end: m.index + m[0].length,
  }));
}

/** A block's body: text[start, end). */
export interface Span {
  start: number;
  end: number;
}

/**
 * The body of the first <name>...</name>: the first opening tag and the first closing one after it, as
 * answer.ts's extractAnswer pairs them; null when either is missing (an unclosed block is no block).
 */
export function firstBlock(tags: readonly Tag[], name: Tag["name"]): Span | null {
  const open = tags.findIndex((t) => t.name === name && !t.closing);
  if (open < 0) return null;
  const close = tags.findIndex((t, i) => i > open && t.name === name && t.closing);
  return close < 0 ? null : { start: tags[open].end, end: tags[close].start };
}

/**
 * One <tool_call>. Its body runs to the next structural tag (or the end of the text); the call is
 * `closed` when that tag is </tool_call>. So "<tool_call>Crop [1, 2, 3, 4]</think>" is an unclosed call
 * whose body is "Crop [1, 2, 3, 4]", and a truncated "<tool_call>Crop [1, 2," is one whose body is
 * "Crop [1, 2,".
 */
export interface ToolCall {
  /** Index of "<tool_call>". */
  start: number;
  /** Index after "</tool_call>"; where the body stops when unclosed. */
  end: number;
  closed: boolean;
  /** The body's leading word ("Crop"); null when the body starts with none. */
  name: string | null;
  /** The body after the name, trimmed: "[40, 10, 90, 60]". */
  argument: string;
  /**
   * Closed and followed, blanks aside, by <tool_response>TEXT</tool_response> with TEXT non-blank and
   * holding no "<" (the Identify tool's answer, a name).
   */
  answered: boolean;
}

const NAME = /^\s*([A-Za-z_][\w-]*)/;

/** Every <tool_call> in `text`, in order; `tags` is lexTags(text). */
export function toolCalls(text: string, tags: readonly Tag[]): ToolCall[] {
  const calls: ToolCall[] = [];
  tags.forEach((tag, i) => {
    if (tag.name !== "tool_call" || tag.closing) return;
    const next = tags[i + 1];
    const bodyEnd = next ? next.start : text.length;
    const closed = next !== undefined && next.name === "tool_call" && next.closing;
    const body = text.slice(tag.end, bodyEnd);
    const m = NAME.exec(body);
    calls.push({
      start: tag.start,
      end: closed ? next.end : bodyEnd,
      closed,
      name: m ? m[1] : null,
      argument: (m ? body.slice(m[0].length) : body).trim(),
      answered: closed && isAnswered(text, tags, i + 2, next.end),
    });
  });
  return calls;
}

/** tags[k] is <tool_response>, right after `from` (blanks aside), closed by tags[k + 1] around a name. */
function isAnswered(text: string, tags: readonly Tag[], k: number, from: number): boolean {
  const open = tags[k], close = tags[k + 1];
  if (!open || !close || open.name !== "tool_response" || open.closing) return false;
  if (close.name !== "tool_response" || !close.closing) return false;
  if (text.slice(from, open.start).trim() !== "") return false;
  const response = text.slice(open.end, close.start).trim();
  return response !== "" && !response.includes("<");
}

/**
 * A call's box argument read from its leading "[...]": four comma-separated numbers. `box` is null when
 * the argument does not start with "[", has no "]", or does not hold exactly four numbers (the
 * "non-numeric" box); `exact` is true when nothing follows the "]".
 */
export function readBoxArgument(argument: string): { box: Box | null; exact: boolean } {
  const close = argument.indexOf("]");
  if (!argument.startsWith("[") || close < 0) return { box: null, exact: false };
  const numbers = argument.slice(1, close).split(",").map(readNumber);
  const box = numbers.length === 4 && numbers.every((n) => n !== null) ? numbers as Box : null;
  return { box, exact: close === argument.length - 1 };
}

/**
 * Words: whitespace-separated runs, with the structural tags taken as blanks (so "<think>The" is the one
 * word "The"). Scripts written without spaces count a run as one word.
 */
export function countWords(text: string): number {
  let n = 0;
  for (const _ of text.replace(TAG, " ").matchAll(/\S+/g)) n++;
  return n;
}
