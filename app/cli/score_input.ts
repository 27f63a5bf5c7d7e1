/**
 * What `deno task score` and `serve-rewards` score, read from outside: a JSON line of the score command,
 * or the arguments of verl's compute_score. Both become a completion and a RewardSample (no pixels; the
 * image's size where given). Every problem is a FieldError naming the field, so that a line's error and
 * a 400 answer say exactly what to fix.
 */
import type { RewardSample } from "../../core/rewards/types.ts";

/** One thing to score: the completion and the sample the rewards see. */
export interface ScoreRow {
  completion: string;
  sample: RewardSample;
}

/** A bad or missing field; `field` is its path ("solution", "extra_infos[2].image_size"). */
export class FieldError extends Error {
  override name = "FieldError";
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

type Json = Record<string, unknown>;

/** A value as it appears in an error message: JSON, cut to 60 characters. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** "a string", "an array", "null": what a value is, for "must be X, got Y". */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value} (${show(value)})`;
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

function requireString(value: unknown, field: string): string {
  if (value === undefined) throw new FieldError(field, `"${field}" is missing (a string is required)`);
  if (typeof value !== "string") {
    throw new FieldError(field, `"${field}" must be a string, got ${kindOf(value)}`);
  }
  return value;
}

function optionalString(value: unknown, field: string): string | undefined {
  return value === undefined || value === null ? undefined : requireString(value, field);
}

function optionalId(value: unknown, field: string): string | number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" || (typeof value === "number" && Number.isFinite(value))) return value;
  throw new FieldError(field, `"${field}" must be a string or a number, got ${kindOf(value)}`);
}

/** [width, height], both finite and > 0 (an IoU-style reward divides by them). */
function optionalImageSize(value: unknown, field: string): [number, number] | undefined {
  if (value === undefined || value === null) return undefined;
  const ok = Array.isArray(value) && value.length === 2 &&
    value.every((x) => typeof x === "number" && Number.isFinite(x) && x > 0);
  if (!ok) {
    throw new FieldError(field, `"${field}" must be [width, height] (two numbers > 0), got ${show(value)}`);
  }
  return value as [number, number];
}

function optionalStrings(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((x) => typeof x === "string")) {
    throw new FieldError(field, `"${field}" must be a list of strings, got ${show(value)}`);
  }
  return value;
}

function optionalObject(value: unknown, field: string): Json | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new FieldError(field, `"${field}" must be an object, got ${kindOf(value)}`);
  return value;
}

/** The fields a sample is made of; the rest of Sample (reference) is empty offline. */
interface SampleFields {
  id: string;
  task: string;
  prompt: string;
  solution: string;
  imageSize: [number, number] | undefined;
  explanations: string[] | undefined;
  meta: Json | undefined;
}

function rewardSample(f: SampleFields): RewardSample {
  const sample: RewardSample = {
    id: f.id,
    task: f.task,
    prompt: f.prompt,
    solution: f.solution,
    reference: "",
    meta: f.meta ?? {},
    imageSize: f.imageSize ?? null,
  };
  if (f.explanations !== undefined) sample.explanations = f.explanations;
  return sample;
}

/** The keys a score line may have; any other key is copied to the output line as it is. */
export const SCORE_LINE_KEYS = [
  "completion",
  "solution",
  "id",
  "task",
  "prompt",
  "image_size",
  "explanations",
  "meta",
] as const;

/** A score line read: the row, the id its output carries, and its other keys (kept in the output). */
export interface ScoreLine {
  row: ScoreRow;
  id: string | number;
  extra: Json;
}

/**
 * One line of `deno task score`'s input: {completion, solution, id?, task?, prompt?, image_size?,
 * explanations?, meta?, ...}. `line` (1-based) is the id when the line gives none. Throws FieldError
 * (field "line" for bad JSON or a line that is no object).
 */
export function parseScoreLine(text: string, line: number): ScoreLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // V8's message ends in the position or an excerpt of the text; the column is what is worth keeping.
    const message = (e as Error).message;
    const column = / column (\d+)\)/.exec(message)?.[1];
    const reason = message.replace(/ at position \d+.*$/s, "").replace(/ in JSON$/, "")
      .replace(/, ".*" is not valid JSON$/s, "");
    throw new FieldError("line", `not valid JSON: ${reason}${column ? ` (column ${column})` : ""}`);
  }
  if (!isObject(value)) throw new FieldError("line", `expected a JSON object, got ${kindOf(value)}`);
  const id = optionalId(value.id, "id") ?? line;
  const row = {
    completion: requireString(value.completion, "completion"),
    sample: rewardSample({
      id: String(id),
      task: optionalString(value.task, "task") ?? "",
      prompt: optionalString(value.prompt, "prompt") ?? "",
      solution: requireString(value.solution, "solution"),
      imageSize: optionalImageSize(value.image_size, "image_size"),
      explanations: optionalStrings(value.explanations, "explanations"),
      meta: optionalObject(value.meta, "meta"),
    }),
  };
  const known: readonly string[] = SCORE_LINE_KEYS;
  const extra = Object.fromEntries(Object.entries(value).filter(([key]) => !known.includes(key)));
  return { row, id, extra };
}

/** Keys of a ground-truth dict that hold the answer, tried in this order. */
export const GROUND_TRUTH_KEYS = ["solution", "answer", "ground_truth"] as const;

/**
 * verl's ground_truth as a solution string:
 *   string          -> itself
 *   number          -> its decimal text (3 -> "3", 2.5 -> "2.5")
 *   list of numbers -> "[a, b, c, d]" (four numbers: a box, as the grounding rewards read it)
 *   list of strings -> "(1) a (2) b", the numbered-list form accuracy scores by set IoU
 *   dict            -> its "solution", "answer" or "ground_truth" entry (first present) by the rules
 *                      above; its other entries join the sample's meta
 * Anything else (null, a boolean, an empty or mixed list, a dict without those keys) is a FieldError.
 */
export function solutionOf(value: unknown, field: string): { solution: string; meta: Json } {
  if (isObject(value)) {
    const key = GROUND_TRUTH_KEYS.find((k) => value[k] !== undefined && value[k] !== null);
    if (key === undefined) {
      throw new FieldError(
        field,
        `"${field}" is a dict without ${GROUND_TRUTH_KEYS.map((k) => `"${k}"`).join(", ")}: ` +
          "name the answer with one of those keys",
      );
    }
    const { [key]: answer, ...rest } = value;
    return { solution: plainSolution(answer, `${field}.${key}`), meta: rest };
  }
  return { solution: plainSolution(value, field), meta: {} };
}

function plainSolution(value: unknown, field: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (Array.isArray(value) && value.length > 0) {
    if (value.every((x) => typeof x === "number" && Number.isFinite(x))) return `[${value.join(", ")}]`;
    if (value.every((x) => typeof x === "string")) return value.map((s, i) => `(${i + 1}) ${s}`).join(" ");
  }
  throw new FieldError(
    field,
    `"${field}" must be a string, a number, a non-empty list of numbers or of strings, or a dict; ` +
      `got ${Array.isArray(value) ? show(value) : kindOf(value)}`,
  );
}

/** The fields of one verl call, with the paths they came from (for error messages). */
interface VerlItem {
  dataSource: unknown;
  solutionStr: unknown;
  groundTruth: unknown;
  extraInfo: unknown;
  fields: { dataSource: string; solutionStr: string; groundTruth: string; extraInfo: string };
  /** The sample id when extra_info gives none. */
  fallbackId: string;
}

/**
 * One verl compute_score call as a row. extra_info (a dict or null) may carry id or index, task,
 * prompt or question, image_size, explanations and meta; its other keys (verl adds split, num_turns,
 * ...) are not read. The task is extra_info.task, else data_source.
 */
function verlItemRow(item: VerlItem): ScoreRow {
  const { fields } = item;
  const extra = optionalObject(item.extraInfo, fields.extraInfo) ?? {};
  const at = (key: string) => `${fields.extraInfo}.${key}`;
  const dataSource = optionalString(item.dataSource, fields.dataSource);
  const { solution, meta } = solutionOf(item.groundTruth, fields.groundTruth);
  const id = optionalId(extra.id, at("id")) ?? optionalId(extra.index, at("index")) ?? item.fallbackId;
  return {
    completion: requireString(item.solutionStr, fields.solutionStr),
    sample: rewardSample({
      id: String(id),
      task: optionalString(extra.task, at("task")) ?? dataSource ?? "",
      prompt: optionalString(extra.prompt, at("prompt")) ?? optionalString(extra.question, at("question")) ??
        "",
      solution,
      imageSize: optionalImageSize(extra.image_size, at("image_size")),
      explanations: optionalStrings(extra.explanations, at("explanations")),
      meta: { ...meta, ...optionalObject(extra.meta, at("meta")) },
    }),
  };
}

export const VERL_FIELDS = ["data_source", "solution_str", "ground_truth", "extra_info"] as const;
export const VERL_BATCH_FIELDS = ["data_sources", "solution_strs", "ground_truths", "extra_infos"] as const;

/** The body must be an object with only `allowed` keys: a misspelt field is named, not ignored. */
function checkBody(body: unknown, allowed: readonly string[]): Json {
  if (!isObject(body)) {
    throw new FieldError("body", `the request body must be a JSON object, got ${kindOf(body)}`);
  }
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw new FieldError(key, `unknown field "${key}"; the fields are ${allowed.join(", ")}`);
    }
  }
  return body;
}

/** POST /score's body: verl's compute_score(data_source, solution_str, ground_truth, extra_info). */
export function verlRow(body: unknown): ScoreRow {
  const b = checkBody(body, VERL_FIELDS);
  if (b.ground_truth === undefined) throw new FieldError("ground_truth", `"ground_truth" is missing`);
  return verlItemRow({
    dataSource: b.data_source,
    solutionStr: b.solution_str,
    groundTruth: b.ground_truth,
    extraInfo: b.extra_info,
    fields: {
      dataSource: "data_source",
      solutionStr: "solution_str",
      groundTruth: "ground_truth",
      extraInfo: "extra_info",
    },
    fallbackId: "0",
  });
}

/**
 * POST /score_batch's body: verl's batch reward manager's compute_score(data_sources, solution_strs,
 * ground_truths, extra_infos). solution_strs and ground_truths are required; data_sources and
 * extra_infos may be absent or null; every list given has solution_strs' length.
 */
export function verlBatchRows(body: unknown): ScoreRow[] {
  const b = checkBody(body, VERL_BATCH_FIELDS);
  const list = (key: string, required: boolean): unknown[] | undefined => {
    const value = b[key];
    if (value === undefined || value === null) {
      if (required) throw new FieldError(key, `"${key}" is missing (a list is required)`);
      return undefined;
    }
    if (!Array.isArray(value)) throw new FieldError(key, `"${key}" must be a list, got ${kindOf(value)}`);
    return value;
  };
  const solutionStrs = list("solution_strs", true)!;
  const n = solutionStrs.length;
  const groundTruths = list("ground_truths", true)!;
  const dataSources = list("data_sources", false);
  const extraInfos = list("extra_infos", false);
  for (
    const [key, xs] of [["ground_truths", groundTruths], ["data_sources", dataSources], [
      "extra_infos",
      extraInfos,
    ]] as const
  ) {
    if (xs !== undefined && xs.length !== n) {
      throw new FieldError(key, `"${key}" has ${xs.length} items but "solution_strs" has ${n}`);
    }
  }
  return solutionStrs.map((solutionStr, i) =>
    verlItemRow({
      dataSource: dataSources?.[i],
      solutionStr,
      groundTruth: groundTruths[i],
      extraInfo: extraInfos?.[i],
      fields: {
        dataSource: `data_sources[${i}]`,
        solutionStr: `solution_strs[${i}]`,
        groundTruth: `ground_truths[${i}]`,
        extraInfo: `extra_infos[${i}]`,
      },
      fallbackId: String(i),
    })
  );
}
