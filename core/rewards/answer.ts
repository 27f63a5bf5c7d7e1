/**
 * Pulling the answer out of a completion and normalising it, shared by the rewards. Everything here is
 * linear in the text's length: plain indexOf scans and regexes without nested or adjacent quantifiers
 * over the same characters, so that a 10,000-character adversarial completion costs microseconds.
 */

const OPEN = "<answer>";
const CLOSE = "</answer>";
const END_TOKEN = "<|im_end|>";

/**
 * The text inside the first <answer>...</answer>, trimmed; null when there is none. The first <answer>
 * pairs with the first </answer> after it (as the lazy regex /<answer>([\s\S]*?)<\/answer>/ would), found
 * with two indexOf scans: the regex retried from every later <answer> when no </answer> followed, which
 * is quadratic on "<answer><answer>...".
 */
export function extractAnswer(completion: string): string | null {
  const open = completion.indexOf(OPEN);
  if (open < 0) return null;
  const close = completion.indexOf(CLOSE, open + OPEN.length);
  return close < 0 ? null : completion.slice(open + OPEN.length, close).trim();
}

/** The completion without a trailing <|im_end|> (the chat template's stop token) and the blanks after it. */
export function withoutEndToken(completion: string): string {
  const text = completion.trimEnd();
  return text.endsWith(END_TOKEN) ? text.slice(0, -END_TOKEN.length) : completion;
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

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Lower case, punctuation to spaces, single spaces, number words to digits, "3.0" to "3". */
export function normaliseAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}.\-\s]/gu, " ")
    .replace(/(?<!\d)\.|\.(?!\d)/g, " ")
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .map((w) => NUMBER_WORDS[w] ?? canonicalNumber(w))
    .join(" ");
}

/**
 * "3.0" -> "3", "-02" -> "-2"; a word that is no decimal stays as it is. So does a decimal too long for a
 * double (400 digits): Number() would give "Infinity", and two different huge numbers would then match.
 */
function canonicalNumber(word: string): string {
  if (!DECIMAL.test(word)) return word;
  const x = Number(word);
  return Number.isFinite(x) ? String(x) : word;
}

/** The number a text normalises to when it is one decimal or number word ("3.0", "three"); else null. */
export function parseNumber(text: string): number | null {
  const word = normaliseAnswer(text);
  if (!DECIMAL.test(word)) return null;
  const x = Number(word);
  return Number.isFinite(x) ? x : null;
}
