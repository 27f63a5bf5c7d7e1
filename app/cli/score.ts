/**
 * deno task score --in FILE.jsonl [--out FILE.jsonl] [--rewards a,b] [--weights x,y] [--config FILE.json]
 *                 [key=value ...]
 *
 * Scores completions offline with the same reward code and settings as training. Each input line is
 * {completion, solution, id?, task?, prompt?, image_size?, explanations?, meta?, ...}; each output line is
 * {line, id, ...the input's other keys, <reward>: score or null, ..., total}. A malformed line gives
 * {line, error} and a stderr line FILE:N, and the rest is still scored; the exit status is then 1.
 */
import { resolve } from "node:path";
import { maxOf } from "../../core/extremes.ts";
import { runCommand } from "./jobs.ts";
import { Progress } from "./progress.ts";
import {
  describeScoring,
  loadScoringOrExit,
  RESERVED_NAMES,
  rewardConfigOrExit,
  type Scored,
  type Scoring,
} from "./reward_scoring.ts";
import { parseScoreLine, type ScoreLine } from "./score_input.ts";

/** Lines scored by one scoreRewards call. */
const BATCH_LINES = 256;
/** Inputs of at least this many lines get a progress bar on stderr. */
const PROGRESS_MIN_LINES = 1000;
/** Malformed lines said on stderr one by one up to this many; the rest are only in the output. */
const MAX_ERRORS_SAID = 50;

type Entry = { line: number; parsed: ScoreLine } | { line: number; error: string };

export interface ScoreSummary {
  scored: number;
  failed: number;
  blank: number;
}

interface Writer {
  write(bytes: Uint8Array): Promise<number>;
}

const encoder = new TextEncoder();

async function writeAll(w: Writer, text: string): Promise<void> {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += await w.write(bytes.subarray(written));
}

/** The input's non-blank lines, read; blank lines counted, with the first one's number. */
function readEntries(text: string): { entries: Entry[]; blank: number; firstBlank: number } {
  const lines = text.replace(/^\uFEFF/, "").split("\n");
  // A final newline ends the last line; it does not start a blank one.
  if (lines.at(-1) === "") lines.pop();
  const entries: Entry[] = [];
  let blank = 0;
  let firstBlank = 0;
  lines.forEach((raw, i) => {
    const line = i + 1;
    const content = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (content.trim() === "") {
      if (blank++ === 0) firstBlank = line;
      return;
    }
    try {
      entries.push({ line, parsed: parseScoreLine(content, line) });
    } catch (e) {
      entries.push({ line, error: (e as Error).message });
    }
  });
  return { entries, blank, firstBlank };
}

/**
 * Scores the good lines of a batch together; when a reward throws, scores them one by one so that
 * only the lines it throws on fail. Returns a Scored or an error message per entry.
 */
async function scoreBatch(scoring: Scoring, good: readonly ScoreLine[]): Promise<(Scored | string)[]> {
  try {
    return await scoring.score(good.map((g) => g.row));
  } catch {
    return await Promise.all(good.map(async (g) => {
      try {
        return (await scoring.score([g.row]))[0];
      } catch (e) {
        return (e as Error).message;
      }
    }));
  }
}

/** Per reward (and the total): the sum and count of the values that apply. */
class Means {
  readonly sums: number[];
  readonly counts: number[];
  constructor(n: number) {
    this.sums = new Array(n + 1).fill(0);
    this.counts = new Array(n + 1).fill(0);
  }
  add(s: Scored): void {
    [...s.values, s.total].forEach((v, f) => {
      if (v === null) return;
      this.sums[f] += v;
      this.counts[f]++;
    });
  }
  /** "  accuracy  mean 0.6667  (3 lines)", one per reward and the total. */
  lines(names: readonly string[], scored: number): string[] {
    const width = Math.max(5, maxOf(names.map((n) => n.length)));
    return [...names, "total"].map((name, f) => {
      const n = this.counts[f];
      const mean = n > 0 ? `mean ${Number((this.sums[f] / n).toFixed(4))}` : "mean n/a";
      const nulls = scored - n;
      return `  ${name.padEnd(width)}  ${mean}  (${n} line${n === 1 ? "" : "s"}` +
        `${nulls > 0 ? `; null on ${nulls}` : ""})`;
    });
  }
}

/**
 * The text of --in; an empty file, or one of blank lines only, is an error naming it (as `data check`
 * says), since scoring nothing and exiting 0 would pass for success. Read before --out is opened, so that
 * a failure leaves no empty output behind.
 */
export async function readInput(inPath: string): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(inPath);
  } catch (e) {
    throw new Error(`cannot read --in ${inPath}: ${(e as Error).message}`);
  }
  if (text === "") {
    throw new Error(`--in ${inPath} is empty (0 bytes): nothing to score; give one JSON object per line`);
  }
  const { entries, blank } = readEntries(text);
  if (entries.length === 0) {
    const blanks = blank === 0 ? "" : ` (${blank} blank line${blank === 1 ? "" : "s"})`;
    throw new Error(`--in ${inPath} has no lines to score${blanks}; give one JSON object per line`);
  }
  return text;
}

/**
 * Scores the lines of `text` (read from `inPath`) into `out`; everything said goes to `say` (stderr).
 * Returns the counts; the caller exits non-zero when any line failed.
 */
export async function scoreFile(
  inPath: string,
  text: string,
  out: Writer,
  scoring: Scoring,
  say: (line: string) => void,
): Promise<ScoreSummary> {
  const { entries, blank, firstBlank } = readEntries(text);
  const progress = entries.length >= PROGRESS_MIN_LINES
    ? new Progress({ total: entries.length, label: "score", unit: "sample" })
    : undefined;
  const means = new Means(scoring.names.length);
  const taken = new Set<string>([...RESERVED_NAMES, ...scoring.names]);
  const shadowed = new Set<string>();
  const summary: ScoreSummary = { scored: 0, failed: 0, blank };

  // While a bar is drawn, lines go above it (a TTY's bar is redrawn in place).
  const sayLive = (line: string) => progress ? progress.say(line) : say(line);
  const fail = (line: number, error: string): string => {
    if (++summary.failed <= MAX_ERRORS_SAID) sayLive(`${inPath}:${line}: ${error}`);
    if (summary.failed === MAX_ERRORS_SAID + 1) sayLive(`(further malformed lines are only in the output)`);
    return JSON.stringify({ line, error });
  };

  for (let start = 0; start < entries.length; start += BATCH_LINES) {
    const batch = entries.slice(start, start + BATCH_LINES);
    const good = batch.flatMap((e) => "parsed" in e ? [e.parsed] : []);
    const results = good.length > 0 ? await scoreBatch(scoring, good) : [];
    for (const message of scoring.said()) sayLive(message);
    let next = 0;
    const lines = batch.map((entry) => {
      if ("error" in entry) return fail(entry.line, entry.error);
      const result = results[next++];
      if (typeof result === "string") return fail(entry.line, result);
      summary.scored++;
      means.add(result);
      const row: Record<string, unknown> = { line: entry.line, id: entry.parsed.id };
      for (const [key, value] of Object.entries(entry.parsed.extra)) {
        if (taken.has(key)) shadowed.add(key);
        else row[key] = value;
      }
      scoring.names.forEach((name, f) => row[name] = result.values[f]);
      row.total = result.total;
      return JSON.stringify(row);
    });
    await writeAll(out, lines.map((l) => `${l}\n`).join(""));
    progress?.update(Math.min(start + BATCH_LINES, entries.length), `${summary.failed} failed`);
  }
  progress?.finish();

  if (shadowed.size > 0) {
    const keys = [...shadowed].map((k) => `"${k}"`).join(", ");
    say(
      `score: input key${shadowed.size === 1 ? "" : "s"} ${keys} left out of the output, whose own ` +
        `column${shadowed.size === 1 ? " has that name" : "s have those names"}`,
    );
  }
  say(
    `score: ${summary.scored} line${summary.scored === 1 ? "" : "s"} scored, ${summary.failed} failed` +
      (blank > 0
        ? `, ${blank} blank line${blank === 1 ? "" : "s"} skipped (first ${inPath}:${firstBlank})`
        : ""),
  );
  for (const line of means.lines(scoring.names, summary.scored)) say(line);
  return summary;
}

async function openOut(path: string): Promise<Deno.FsFile> {
  try {
    return await Deno.open(path, { write: true, create: true, truncate: true });
  } catch (e) {
    throw new Error(`cannot write --out ${path}: ${(e as Error).message}`);
  }
}

const SUMMARY =
  "score completions offline: one output line per input line, each reward's score and the total";
const OWN_FLAGS = [
  { flag: "--in FILE.jsonl", doc: "input, one {completion, solution, ...} per line", required: true },
  { flag: "--out FILE.jsonl", doc: "output, one line per input line; default stdout" },
];

if (import.meta.main) {
  const { config, values } = rewardConfigOrExit("score", SUMMARY, OWN_FLAGS);
  const inPath = values.get("--in")?.[0];
  const outPath = values.get("--out")?.[0];
  if (inPath === undefined) {
    console.error("error: --in FILE.jsonl is required (--help shows the line format)");
    Deno.exit(2);
  }
  if (outPath !== undefined && resolve(outPath) === resolve(inPath)) {
    console.error(`error: --out ${outPath} is the --in file; give another output file`);
    Deno.exit(2);
  }
  const scoring = await loadScoringOrExit(config);
  const say = (line: string) => console.error(line);
  say(`score: rewards ${describeScoring(scoring)}`);
  await runCommand(async () => {
    let file: Deno.FsFile | undefined;
    let summary: ScoreSummary;
    try {
      const text = await readInput(inPath);
      file = outPath === undefined ? undefined : await openOut(outPath);
      summary = await scoreFile(inPath, text, file ?? Deno.stdout, scoring, say);
    } finally {
      file?.close();
      await scoring.close();
    }
    if (outPath !== undefined) say(`score: wrote ${outPath}`);
    if (summary.failed > 0) Deno.exit(1);
  });
}
