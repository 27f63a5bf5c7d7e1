/**
 * JSONL bytes and lines: decoded strictly as UTF-8 (a BOM at the start dropped, a bad line named, never
 * turned into U+FFFD), then each line parsed alone with its 1-based number, so one bad line never costs
 * the others.
 */

/** The longest line read as a record; a longer one is reported, not parsed (a 50 MB line is no sample). */
export const MAX_LINE_CHARS = 8 * 1024 * 1024;

export type JsonLine =
  | { line: number; value: unknown }
  | { line: number; error: string; kind: "json" | "utf8" };

/** "1,234,567". */
const count = (n: number) => n.toLocaleString("en");

/**
 * Every non-blank line of `text`, parsed as JSON, or the reason it could not be: not JSON (with the
 * parser's words, e.g. a truncated line's "Unterminated string"), or over MAX_LINE_CHARS. Blank lines are
 * counted, not returned. "\r\n" line ends are accepted. `invalid` names the lines that were not UTF-8
 * (decodeJsonl), which are reported with its reason whatever their text.
 */
export function parseJsonLines(
  text: string,
  maxChars = MAX_LINE_CHARS,
  invalid?: ReadonlyMap<number, string>,
): { lines: JsonLine[]; blank: number } {
  const lines: JsonLine[] = [];
  let blank = 0;
  let start = 0;
  for (let n = 1; start <= text.length; n++) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const raw = text.slice(start, end > start && text[end - 1] === "\r" ? end - 1 : end);
    start = end + 1;
    const notUtf8 = invalid?.get(n);
    if (notUtf8 !== undefined) {
      lines.push({ line: n, error: notUtf8, kind: "utf8" });
      continue;
    }
    if (raw.trim() === "") {
      if (end < text.length) blank++;
      continue;
    }
    if (raw.length > maxChars) {
      lines.push({
        line: n,
        error: `line is ${count(raw.length)} characters, over the limit of ${count(maxChars)} for one record`,
        kind: "json",
      });
      continue;
    }
    try {
      lines.push({ line: n, value: JSON.parse(raw) });
    } catch (e) {
      const reason = (e as Error).message.replace(/ in JSON at position \d+.*$/, "");
      const truncated = /Unterminated|Unexpected end/.test(reason) ? " (the line looks cut short)" : "";
      lines.push({ line: n, error: `not valid JSON: ${reason}${truncated}`, kind: "json" });
    }
  }
  return { lines, blank };
}

const BOM = [0xef, 0xbb, 0xbf];
/** A fatal decoder: invalid bytes throw instead of turning into U+FFFD. The BOM is stripped by hand. */
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * A JSONL file's bytes as text, a UTF-8 byte-order mark at the start dropped. A line that is not UTF-8
 * is left empty in `text` and named in `invalid` (line number -> reason), so the other lines still read.
 * Lines split at "\n" bytes: 0x0a is never part of a multi-byte UTF-8 sequence.
 */
export function decodeJsonl(bytes: Uint8Array): { text: string; invalid: Map<number, string> } {
  const start = BOM.every((b, i) => bytes[i] === b) ? BOM.length : 0;
  const body = bytes.subarray(start);
  const invalid = new Map<number, string>();
  try {
    return { text: strict.decode(body), invalid };
  } catch {
    // Some line is not UTF-8: decode line by line to name each one.
  }
  const parts: string[] = [];
  let from = 0;
  for (let n = 1; from <= body.length; n++) {
    let end = body.indexOf(0x0a, from);
    if (end < 0) end = body.length;
    const line = body.subarray(from, end);
    try {
      parts.push(strict.decode(line));
    } catch {
      const at = Math.max(0, invalidUtf8At(line)); // >= 0, as the decoder failed
      const column = strict.decode(line.subarray(0, at)).length + 1;
      const byte = line[at].toString(16).padStart(2, "0");
      invalid.set(n, `not valid UTF-8 (byte 0x${byte} at column ${column})`);
      parts.push("");
    }
    from = end + 1;
  }
  return { text: parts.join("\n"), invalid };
}

/**
 * The offset of the first byte of the first ill-formed sequence in `bytes` (overlong forms, surrogates,
 * code points past U+10FFFF and cut sequences included, as the WHATWG decoder rejects them), or -1.
 */
export function invalidUtf8At(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    // [continuation bytes needed, the first continuation's range]; other lead bytes are never valid.
    const [need, lo, hi] = b >= 0xc2 && b <= 0xdf
      ? [1, 0x80, 0xbf]
      : b === 0xe0
      ? [2, 0xa0, 0xbf]
      : b === 0xed
      ? [2, 0x80, 0x9f]
      : b >= 0xe1 && b <= 0xef
      ? [2, 0x80, 0xbf]
      : b === 0xf0
      ? [3, 0x90, 0xbf]
      : b === 0xf4
      ? [3, 0x80, 0x8f]
      : b >= 0xf1 && b <= 0xf3
      ? [3, 0x80, 0xbf]
      : [0, 0, 0];
    if (need === 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}
