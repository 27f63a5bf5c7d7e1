/**
 * A progress bar on stderr: step/total, rate, ETA and a short text of live numbers ("loss 2.31").
 * On a TTY it redraws one line in place; otherwise (CI logs) it prints a line each time another
 * `everyPercent` of the run is done, and at the end.
 */

export interface ProgressOptions {
  total: number;
  /** Leading word, e.g. "train". */
  label?: string;
  /**
   * What is counted: "step" (optimizer steps, the rate as s/step) or "sample" (eval's and check's
   * samples, the rate as samples/s). Default "step".
   */
  unit?: "step" | "sample";
  /** Non-TTY only: print a line every this many percent. */
  everyPercent?: number;
  /** Where text goes; stderr by default. */
  write?: (text: string) => void;
  /** Whether to redraw in place; stderr's isTerminal() by default. */
  isTTY?: boolean;
  /** Clock in milliseconds; performance.now by default. */
  now?: () => number;
}

const BAR_WIDTH = 24;
/** TTY redraws are throttled to this interval, except the last. */
const REDRAW_MS = 100;

/** "45s", "3m09s", "2h05m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/**
 * Steps as time per step ("0.40 s/step", "12.3 s/step"), whatever the speed, so that runs compare at a
 * glance; samples as a rate ("38.2 samples/s").
 */
export function formatRate(perSecond: number, unit: "step" | "sample" = "step"): string {
  if (unit === "sample") return perSecond > 0 ? `${perSecond.toFixed(1)} samples/s` : "- samples/s";
  if (!(perSecond > 0)) return "- s/step";
  const s = 1 / perSecond;
  return `${s < 1 ? s.toFixed(2) : s.toFixed(1)} s/step`;
}

const encoder = new TextEncoder();

function writeStderr(text: string): void {
  const bytes = encoder.encode(text);
  let written = 0;
  while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
}

export class Progress {
  readonly #total: number;
  readonly #label: string;
  readonly #unit: "step" | "sample";
  readonly #every: number;
  readonly #write: (text: string) => void;
  readonly #tty: boolean;
  readonly #now: () => number;
  readonly #start: number;
  #lastDraw = -Infinity;
  #lastBucket = 0;
  #lastLine = "";
  #done = false;

  constructor(options: ProgressOptions) {
    if (!(options.total > 0)) throw new Error(`Progress: total must be > 0, got ${options.total}`);
    this.#total = options.total;
    this.#label = options.label ?? "";
    this.#unit = options.unit ?? "step";
    this.#every = options.everyPercent ?? 10;
    this.#write = options.write ?? writeStderr;
    this.#tty = options.isTTY ?? Deno.stderr.isTerminal();
    this.#now = options.now ?? (() => performance.now());
    this.#start = this.#now();
  }

  /** The line for `step` steps done: "train [#####-----]  45/200  0.40 s/step  ETA 1m02s  loss 2.31". */
  line(step: number, text = ""): string {
    const fraction = Math.min(1, Math.max(0, step / this.#total));
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`;
    const elapsed = (this.#now() - this.#start) / 1000;
    const rate = elapsed > 0 ? step / elapsed : 0;
    const eta = step >= this.#total
      ? `done in ${formatDuration(elapsed)}`
      : `ETA ${formatDuration((this.#total - step) / rate)}`;
    const count = `${String(step).padStart(String(this.#total).length)}/${this.#total}`;
    return [this.#label, bar, count, formatRate(rate, this.#unit), eta, text].filter((s) => s !== "").join(
      "  ",
    );
  }

  /** Reports `step` steps done, with live numbers in `text`. */
  update(step: number, text = ""): void {
    const last = step >= this.#total;
    if (this.#tty) {
      const t = this.#now();
      if (!last && t - this.#lastDraw < REDRAW_MS) return;
      this.#lastDraw = t;
      this.#lastLine = this.line(step, text);
      // \r to the line start, \x1b[K to clear what a longer previous line left.
      this.#write(`\r${this.#lastLine}\x1b[K`);
      return;
    }
    const bucket = Math.floor((step / this.#total) * 100 / this.#every);
    if (bucket > this.#lastBucket || (last && !this.#done)) {
      this.#lastBucket = bucket;
      this.#write(`${this.line(step, text)}\n`);
    }
    if (last) this.#done = true;
  }

  /** Prints a line of its own above the bar (a TTY's bar is redrawn below it). */
  say(text: string): void {
    if (this.#tty && this.#lastLine !== "") this.#write(`\r${text}\x1b[K\n${this.#lastLine}`);
    else this.#write(`${text}\n`);
  }

  /** Ends the bar: on a TTY, moves past the redrawn line. */
  finish(): void {
    if (this.#tty && this.#lastLine !== "") this.#write("\n");
    this.#lastLine = "";
  }
}
