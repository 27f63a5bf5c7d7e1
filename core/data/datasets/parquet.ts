/**
 * Parquet data sets, read with hyparquet: verl's RL layout and the Geometry3K layout, told apart by
 * their columns. Byte columns stay bytes (utf8: false); string columns are strings.
 *
 * verl (verl/examples/data_preprocess/geo3k.py and friends), one row per sample:
 *   data_source: str, prompt: [{role, content}] with "<image>" in the user turn, images: [{bytes, path}],
 *   ability: str, reward_model: {style, ground_truth}, extra_info: {index, split, ...}
 * Geometry3K (hiyouga/geometry3k): images: [{bytes, path}] (or image), problem: str (or question),
 *   answer: str, and optionally choices: [str].
 */
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { formatBox } from "../phrases.ts";
import { isObject, promptWithoutImage, RowProblem, singleImage, stringField, typeName } from "./fields.ts";
import { DatasetError, type DatasetRecord, type ParsedDataset, type Problem } from "./types.ts";

type Row = Record<string, unknown>;

/** The rows of a parquet file as objects; a file that is not parquet is a DatasetError naming it. */
export async function readParquetRows(
  bytes: Uint8Array,
  source: string,
): Promise<{ columns: string[]; rows: Row[] }> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let columns: string[];
  try {
    const metadata = parquetMetadata(file);
    const root = metadata.schema[0];
    columns = [];
    // Top-level columns are the root's children: walk the flat pre-order schema, skipping subtrees.
    let i = 1;
    for (let c = 0; c < (root.num_children ?? 0); c++) {
      columns.push(metadata.schema[i].name);
      i = skipSubtree(metadata.schema, i);
    }
  } catch (e) {
    throw new DatasetError(`${source} is not a readable parquet file: ${(e as Error).message}`);
  }
  try {
    return { columns, rows: (await parquetReadObjects({ file, utf8: false })) as Row[] };
  } catch (e) {
    throw new DatasetError(`${source}: reading its rows failed: ${(e as Error).message}`);
  }
}

function skipSubtree(schema: { num_children?: number }[], i: number): number {
  let next = i + 1;
  for (let c = 0; c < (schema[i].num_children ?? 0); c++) next = skipSubtree(schema, next);
  return next;
}

export type ParquetLayout = "verl" | "geometry3k";

/** Which layout the columns are, or a DatasetError that lists what each layout needs. */
export function parquetLayout(columns: string[], source: string): ParquetLayout {
  const has = (c: string) => columns.includes(c);
  if (has("prompt") && has("reward_model")) return "verl";
  if ((has("problem") || has("question")) && has("answer")) return "geometry3k";
  throw new DatasetError(
    `${source}: columns ${columns.join(", ")} are neither verl's layout (prompt, reward_model, images, ` +
      `data_source) nor Geometry3K's (images or image, problem or question, answer)`,
  );
}

/** verl's ground_truth as the lab's solution text: a string as is, a number as text, a box as "[a, b, c, d]". */
function groundTruth(v: unknown, label: string): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  if (Array.isArray(v) && v.length === 4 && v.every((x) => typeof x === "number")) {
    return formatBox(v as [number, number, number, number]);
  }
  throw new RowProblem(`${label} must be a string, a number or a box of 4 numbers, got ${typeName(v)}`);
}

function verlRecord(row: Row, source: string, i: number): DatasetRecord {
  const prompt = row.prompt;
  if (!Array.isArray(prompt)) {
    throw new RowProblem(`prompt must be a list of chat messages, got ${typeName(prompt)}`);
  }
  prompt.forEach((m, k) => {
    if (!isObject(m)) throw new RowProblem(`prompt[${k}] must be {role, content}, got ${typeName(m)}`);
    stringField(m, "role", `prompt[${k}].role`);
    stringField(m, "content", `prompt[${k}].content`);
  });
  const messages = prompt as { role: string; content: string }[];
  if (messages.length !== 1 || messages[0].role !== "user") {
    throw new RowProblem(
      `prompt must be one user message (the chat template here has no system turn); got ${
        messages.map((m) => m.role).join(", ") || "none"
      }`,
    );
  }
  const { prompt: text, imageAt } = promptWithoutImage(messages[0].content, "prompt[0].content");
  const rm = row.reward_model;
  if (!isObject(rm)) throw new RowProblem(`reward_model must be {ground_truth, style}, got ${typeName(rm)}`);
  const solution = groundTruth(rm.ground_truth, "reward_model.ground_truth");
  const dataSource = row.data_source === undefined || row.data_source === null
    ? "verl"
    : stringField(row, "data_source");
  const extra = row.extra_info;
  if (extra !== undefined && extra !== null && !isObject(extra)) {
    throw new RowProblem(`extra_info must be a struct, got ${typeName(extra)}`);
  }
  const index = isObject(extra) ? extra.index : undefined;
  const ownId = isObject(extra) && typeof extra.id === "string" && extra.id !== "" ? extra.id : undefined;
  const meta: Record<string, unknown> = { data_source: dataSource };
  if (typeof row.ability === "string") meta.ability = row.ability;
  if (typeof rm.style === "string") meta.reward_style = rm.style;
  if (isObject(extra)) meta.extra_info = plain(extra);
  if (imageAt > 0) meta.image_at = imageAt;
  const imageColumn = "images" in row ? "images" : "image";
  return {
    id: ownId ??
      (index === undefined || index === null ? `${source}#${i}` : `${dataSource}-${String(index)}`),
    where: `${source} row ${i}`,
    at: i,
    task: dataSource,
    prompt: text,
    solution,
    reference: solution,
    image: singleImage(row[imageColumn], imageColumn, `${source} row ${i} image`),
    meta,
  };
}

/** The answer options as the question shows them: "Choices: (A) 3 (B) 4". */
export function choicesLine(choices: readonly string[]): string {
  return `Choices: ${choices.map((c, k) => `(${String.fromCharCode(65 + k)}) ${c}`).join(" ")}`;
}

function geometryRecord(row: Row, source: string, i: number): DatasetRecord {
  const key = "problem" in row ? "problem" : "question";
  const { prompt, imageAt } = promptWithoutImage(stringField(row, key), key);
  const answer = row.answer;
  const solution = typeof answer === "number" || typeof answer === "bigint"
    ? String(answer)
    : stringField(row, "answer");
  const choices = row.choices;
  if (choices !== undefined && choices !== null) {
    if (!Array.isArray(choices) || choices.some((c) => typeof c !== "string")) {
      throw new RowProblem(`choices must be a list of strings, got ${typeName(choices)}`);
    }
  }
  const listed = Array.isArray(choices) && choices.length > 0 ? (choices as string[]) : undefined;
  const imageColumn = "images" in row ? "images" : "image";
  const id = row.id ?? row.index;
  return {
    id: typeof id === "string" || typeof id === "number" || typeof id === "bigint"
      ? `geometry3k-${String(id)}`
      : `${source}#${i}`,
    where: `${source} row ${i}`,
    at: i,
    task: "geometry3k",
    prompt: listed ? `${prompt}\n${choicesLine(listed)}` : prompt,
    solution,
    reference: solution,
    image: singleImage(row[imageColumn], imageColumn, `${source} row ${i} image`),
    meta: { ...(listed ? { choices: listed } : {}), ...(imageAt > 0 ? { image_at: imageAt } : {}) },
  };
}

/** A struct's values made JSON-safe (bigint to number, bytes dropped) for meta. */
function plain(v: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(v, (_k, x) => typeof x === "bigint" ? Number(x) : x instanceof Uint8Array ? undefined : x),
  );
}

/** Reads a verl or Geometry3K parquet file: every good row a record, every bad row a Problem. */
export async function readParquetDataset(bytes: Uint8Array, source: string): Promise<ParsedDataset> {
  const { columns, rows } = await readParquetRows(bytes, source);
  const layout = parquetLayout(columns, source);
  const toRecord = layout === "verl" ? verlRecord : geometryRecord;
  const records: DatasetRecord[] = [];
  const problems: Problem[] = [];
  rows.forEach((row, i) => {
    try {
      records.push(toRecord(row, source, i));
    } catch (e) {
      if (!(e instanceof RowProblem)) throw e;
      problems.push({ where: `${source} row ${i}`, at: i, message: e.message, kind: e.kind });
    }
  });
  if (rows.length === 0) {
    problems.push({ where: source, at: -1, message: "the file has no rows", kind: "empty" });
  }
  return {
    format: layout === "verl" ? "verl parquet" : "Geometry3K parquet",
    source,
    records,
    problems,
    total: rows.length,
    blank: 0,
  };
}
