/**
 * Appends one JSON object per line to DIR/metrics.jsonl, written through at once (no buffering), so
 * that a crash or Ctrl-C loses at most the line being written and `tail -f` sees each step.
 */

const encoder = new TextEncoder();

/** NaN and ±Infinity have no JSON form; they are written as null, which pandas and jq read as missing. */
function replacer(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? null : value;
}

export class MetricsWriter {
  readonly path: string;
  #file: Deno.FsFile | null;

  private constructor(path: string, file: Deno.FsFile) {
    this.path = path;
    this.#file = file;
  }

  /** Creates `dir` (and parents) if needed and opens DIR/metrics.jsonl for appending. */
  static open(dir: string, fileName = "metrics.jsonl"): MetricsWriter {
    const path = `${dir.replace(/\/+$/, "")}/${fileName}`;
    try {
      Deno.mkdirSync(dir, { recursive: true });
      return new MetricsWriter(path, Deno.openSync(path, { write: true, create: true, append: true }));
    } catch (e) {
      throw new Error(`cannot open ${path} for writing: ${e instanceof Error ? e.message : e}`);
    }
  }

  /**
   * Writes `record` as one line. A failed write (a full disk) names the file; it may leave a torn last
   * line, which a resume drops with a note (run_folder.ts cutJsonl).
   */
  write(record: Record<string, unknown>): void {
    if (!this.#file) throw new Error(`MetricsWriter: ${this.path} is closed`);
    const bytes = encoder.encode(`${JSON.stringify(record, replacer)}\n`);
    try {
      let written = 0;
      while (written < bytes.length) written += this.#file.writeSync(bytes.subarray(written));
    } catch (e) {
      throw new Error(`cannot write to ${this.path}: ${e instanceof Error ? e.message : e}`);
    }
  }

  close(): void {
    this.#file?.close();
    this.#file = null;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
