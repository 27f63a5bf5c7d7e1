/**
 * The one "say once" of a run: each distinct line is kept once, in the order first said. A front end
 * prints what take() hands it; a worker passes the lines on as an array and the receiving side feeds them
 * to its own Notes, so a line crosses any number of threads and is still said once. Made per run and
 * passed in (like the config), never a module global.
 */
export class Notes {
  readonly #seen = new Set<string>();
  readonly #said: string[] = [];
  #taken = 0;

  /** Keeps `line` unless it was said before. */
  say(line: string): void {
    if (this.#seen.has(line)) return;
    this.#seen.add(line);
    this.#said.push(line);
  }

  /** Every line said so far, in order. */
  get said(): readonly string[] {
    return this.#said;
  }

  /** The lines said since the last take(), in order: each line is handed out once. */
  take(): string[] {
    const fresh = this.#said.slice(this.#taken);
    this.#taken = this.#said.length;
    return fresh;
  }
}
