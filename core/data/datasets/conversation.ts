/**
 * Conversation JSONL, the LLaVA / VLM-R1 layout, one object per line:
 *   {"id": ..., "image": "a.png" | ["a.png"], "conversations": [
 *     {"from": "human", "value": "<image>How many ...?"}, {"from": "gpt", "value": "..."}]}
 * The human turn is the prompt, `<image>` marking the image; the gpt turn is the solution and the SFT
 * reference, exactly as written. Other keys go to meta. A `video` key is refused: video is not supported.
 */
import { promptWithoutImage, RowProblem as LineProblem, typeName } from "./fields.ts";
import { parseJsonLines } from "./lines.ts";
import type { DatasetRecord, ParsedDataset, Problem } from "./types.ts";

const HUMAN = new Set(["human", "user"]);
const GPT = new Set(["gpt", "assistant"]);
const OWN_KEYS = new Set(["id", "image", "images", "conversations"]);

function imagePaths(obj: Record<string, unknown>): string[] {
  const key = "image" in obj ? "image" : "images" in obj ? "images" : undefined;
  if (key === undefined) throw new LineProblem(`no "image" key: every sample needs one image`);
  const v = obj[key];
  const paths = typeof v === "string" ? [v] : v;
  if (!Array.isArray(paths) || paths.some((p) => typeof p !== "string")) {
    throw new LineProblem(`"${key}" must be a path or a list of paths, got ${typeName(v)}`);
  }
  if (paths.length !== 1 || paths[0] === "") {
    throw new LineProblem(
      paths.length === 0 || paths[0] === ""
        ? `"${key}" is empty: every sample needs one image`
        : `"${key}" lists ${paths.length} images: the lab's models read one image per sample`,
    );
  }
  return paths as string[];
}

function turns(obj: Record<string, unknown>): { human: string; gpt: string } {
  const c = obj.conversations;
  if (c === undefined) throw new LineProblem(`no "conversations" key`);
  if (!Array.isArray(c)) throw new LineProblem(`"conversations" must be a list of turns, got ${typeName(c)}`);
  c.forEach((t, i) => {
    if (t === null || typeof t !== "object" || Array.isArray(t)) {
      throw new LineProblem(`conversations[${i}] must be an object {"from", "value"}, got ${typeName(t)}`);
    }
    for (const k of ["from", "value"]) {
      const v = (t as Record<string, unknown>)[k];
      if (typeof v !== "string") {
        throw new LineProblem(`conversations[${i}].${k} must be a string, got ${typeName(v)}`);
      }
    }
  });
  const list = c as { from: string; value: string }[];
  if (list.length !== 2 || !HUMAN.has(list[0].from) || !GPT.has(list[1].from)) {
    throw new LineProblem(
      `"conversations" must be one human turn then one gpt turn; got ${
        list.length === 0 ? "none" : list.map((t) => t.from).join(", ")
      }`,
    );
  }
  return { human: list[0].value, gpt: list[1].value };
}

/** One parsed line -> a record; throws LineProblem naming the key at fault. */
function recordOf(value: unknown, source: string, line: number): DatasetRecord {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new LineProblem(`a line must hold a JSON object, got ${typeName(value)}`);
  }
  const obj = value as Record<string, unknown>;
  if ("video" in obj || "videos" in obj) {
    throw new LineProblem(
      `has a "${"video" in obj ? "video" : "videos"}" key: video is not supported`,
      "video",
    );
  }
  const id = obj.id;
  if (id !== undefined && typeof id !== "string" && typeof id !== "number") {
    throw new LineProblem(`"id" must be a string or a number, got ${typeName(id)}`);
  }
  const [path] = imagePaths(obj);
  const { human, gpt } = turns(obj);
  const { prompt, imageAt } = promptWithoutImage(human, "the human turn");
  if (gpt.trim() === "") throw new LineProblem(`the gpt turn is empty: it is the solution`);
  const meta: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (!OWN_KEYS.has(k)) meta[k] = v;
  if (imageAt > 0) meta.image_at = imageAt;
  return {
    id: id === undefined ? `${source}:${line}` : String(id),
    where: `${source}:${line}`,
    at: line,
    task: "conversation",
    prompt,
    solution: gpt,
    reference: gpt,
    image: { kind: "path", path },
    meta,
  };
}

/**
 * Reads conversation JSONL text. `source` names the file in ids and messages. Every line that reads
 * becomes a record; every other line a Problem naming its line number. `invalid` holds the lines whose
 * bytes were not UTF-8 (decodeJsonl), by line number, with the reason.
 */
export function readConversationJsonl(
  text: string,
  source: string,
  invalid?: ReadonlyMap<number, string>,
): ParsedDataset {
  const { lines, blank } = parseJsonLines(text, undefined, invalid);
  const records: DatasetRecord[] = [];
  const problems: Problem[] = [];
  for (const l of lines) {
    const where = `${source}:${l.line}`;
    if ("error" in l) {
      problems.push({ where, at: l.line, message: l.error, kind: l.kind });
      continue;
    }
    try {
      records.push(recordOf(l.value, source, l.line));
    } catch (e) {
      if (!(e instanceof LineProblem)) throw e;
      problems.push({ where, at: l.line, message: e.message, kind: e.kind });
    }
  }
  if (lines.length === 0) {
    problems.push({ where: source, at: -1, message: "the file has no records (it is empty)", kind: "empty" });
  }
  return { format: "conversation JSONL", source, records, problems, total: lines.length, blank };
}
