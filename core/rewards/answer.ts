/** Pulling the answer out of a completion and normalising it, shared by the rewards. */

const ANSWER = /<answer>([\s\S]*?)<\/answer>/;

/** The text inside the first <answer>...</answer>, trimmed; null when there is none. */
export function extractAnswer(completion: string): string | null {
  const m = ANSWER.exec(completion);
  return m ? m[1].trim() : null;
}

const NUMBER_WORDS: Readonly<Record<string, string>> = {
  zero: "0",
  one: "1",
  two: "2",
  three: "3",
  four: "4",
  five: "5",
  six: "6",
  seven: "7",
  eight: "8",
  nine: "9",
  ten: "10",
};

/** Lower case, punctuation to spaces, single spaces, number words to digits, "3.0" to "3". */
export function normaliseAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}.\-\s]/gu, " ")
    .replace(/(?<!\d)\.|\.(?!\d)/g, " ")
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .map((w) => NUMBER_WORDS[w] ?? (/^-?\d+(\.\d+)?$/.test(w) ? String(Number(w)) : w))
    .join(" ");
}

/** A box [x1, y1, x2, y2] parsed from "[a, b, c, d]" anywhere in the text; null when none parses. */
export function parseBox(text: string): [number, number, number, number] | null {
  const m =
    /\[\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\]/
      .exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])] : null;
}
