/**
 * The small pieces of English the synthetic tasks write. Every text goes through these helpers, so the
 * tasks' `texts()` enumerations meet exactly the punctuation the samples do.
 */
import type { Box } from "./sample.ts";

/** "circle" for 1, "circles" otherwise. */
export function plural(word: string, n: number): string {
  return n === 1 ? word : `${word}s`;
}

/** "(x, y)". */
export function formatPoint([x, y]: readonly [number, number]): string {
  return `(${x}, ${y})`;
}

/** "[x1, y1, x2, y2]", the answer format of grounding tasks (x2 and y2 exclusive, as in Box). */
export function formatBox(box: Box): string {
  return `[${box.join(", ")}]`;
}

/** "a", "a and b", "a, b and c". */
export function listAnd(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

/** The completion format every task's reference follows. */
export function formatCompletion(think: string, answer: string): string {
  return `<think>${think}</think><answer>${answer}</answer>`;
}

const COMPLETION = /^<think>([\s\S]*?)<\/think><answer>([\s\S]*?)<\/answer>$/;

/** { think, answer } of a text in exactly formatCompletion's form, else null. */
export function parseCompletion(text: string): { think: string; answer: string } | null {
  const m = COMPLETION.exec(text);
  return m ? { think: m[1], answer: m[2] } : null;
}
