/**
 * What JSON.parse does not say about a config file's text: a UTF-8 byte-order mark before it (Windows
 * editors write one; JSON.parse refuses it) and a key given twice in one object (JSON.parse keeps the
 * last value without a word, so a setting the user wrote would be dropped).
 */

/** The text without a leading byte-order mark (U+FEFF), as JSONL files are already read. */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** A key given twice in one object: its path ("rollout.n", "a[2].b") and the lines of both. */
export interface DuplicateKey {
  path: string;
  firstLine: number;
  line: number;
}

/** One open object or array of the scan: its path, and for an object the line of each key seen. */
interface Open {
  path: string;
  keys?: Map<string, number>;
  /** Arrays: the index of the element being read. */
  index: number;
}

const join = (path: string, key: string) => (path === "" ? key : `${path}.${key}`);

/**
 * The first key given twice within one object of `text`, at any depth; undefined when there is none.
 * `text` must be valid JSON (JSON.parse it first): the scan only tracks strings, nesting and commas.
 */
export function firstDuplicateKey(text: string): DuplicateKey | undefined {
  const stack: Open[] = [];
  let line = 1;
  /** The path of the value that starts next: the key just read in an object, or the array element. */
  let pending = "";
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") line++;
    else if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      const top = stack.at(-1);
      if (expectKey && top?.keys) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        const first = top.keys.get(key);
        if (first !== undefined) return { path: join(top.path, key), firstLine: first, line };
        top.keys.set(key, line);
        pending = join(top.path, key);
        expectKey = false;
      }
      i = end;
    } else if (c === "{" || c === "[") {
      stack.push({ path: pending, keys: c === "{" ? new Map() : undefined, index: 0 });
      expectKey = c === "{";
      if (c === "[") pending = `${stack.at(-1)!.path}[0]`;
    } else if (c === "}" || c === "]") {
      stack.pop();
      expectKey = false;
    } else if (c === ",") {
      const top = stack.at(-1)!;
      if (top.keys) expectKey = true;
      else pending = `${top.path}[${++top.index}]`;
    }
  }
  return undefined;
}
