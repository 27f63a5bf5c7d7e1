/** JSONL lines with their 1-based numbers, each parsed alone, so one bad line never costs the others. */

/** The longest line read as a record; a longer one is reported, not parsed (a 50 MB line is no sample). */
export const MAX_LINE_CHARS = 8 * 1024 * 1024;

export type JsonLine =
  | { line: number; value: unknown }
  | { line: number; error: string };

/** "1,234,567". */
const count = (n: number) => n.toLocaleString("en");

/**
 * Every non-blank line of `text`, parsed as JSON, or the reason it could not be: not JSON (with the
 * parser's words, e.g. a truncated line's "Unterminated string"), or over MAX_LINE_CHARS. Blank lines are
 * counted, not returned. "\r\n" line ends are accepted.
 */
export function parseJsonLines(
  text: string,
  maxChars = MAX_LINE_CHARS,
): { lines: JsonLine[]; blank: number } {
  const lines: JsonLine[] = [];
  let blank = 0;
  let start = 0;
  for (let n = 1; start <= text.length; n++) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const raw = text.slice(start, end > start && text[end - 1] === "\r" ? end - 1 : end);
    start = end + 1;
    if (raw.trim() === "") {
      if (end < text.length) blank++;
      continue;
    }
    if (raw.length > maxChars) {
      lines.push({
        line: n,
        error: `line is ${count(raw.length)} characters, over the limit of ${count(maxChars)} for one record`,
      });
      continue;
    }
    try {
      lines.push({ line: n, value: JSON.parse(raw) });
    } catch (e) {
      const reason = (e as Error).message.replace(/ in JSON at position \d+.*$/, "");
      const truncated = /Unterminated|Unexpected end/.test(reason) ? " (the line looks cut short)" : "";
      lines.push({ line: n, error: `not valid JSON: ${reason}${truncated}` });
    }
  }
  return { lines, blank };
}
