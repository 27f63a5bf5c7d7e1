/**
 * parseConfig: defaults < layers in order (a JSON file, then the command line). Every key is checked
 * against the field table; an unknown key or a bad value is a ConfigError that names the key, its source
 * and what is allowed. Strings are coerced by the field's type, so "1e-3", "true" and "a,b" work.
 */
import { type Field, formatRange, inRange } from "./field.ts";
import { ALIASES, CROSS_CHECKS, type FieldName, FIELDS, type RunConfig } from "./fields.ts";

export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(message: string, readonly key?: string, readonly source?: string) {
    super(message);
  }
}

/** Values from one place: `source` is a file path or "command line", and goes into error messages. */
export interface ConfigLayer {
  source: string;
  values: Record<string, unknown>;
}

export interface ParsedConfig {
  config: RunConfig;
  /** Things said once to the user, e.g. an alias that was applied. */
  notes: string[];
}

const FIELD_NAMES = Object.keys(FIELDS) as FieldName[];

export function isFieldName(name: string): name is FieldName {
  return Object.hasOwn(FIELDS, name);
}

/** Levenshtein distance, O(|a| |b|). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/**
 * The closest candidate to `name`, or undefined when none is close: within about a third of the
 * name's length in edits, or containing it (beta1 -> adam_beta1).
 */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3))) return best;
  if (lower.length >= 3) return candidates.find((c) => c.toLowerCase().includes(lower));
  return undefined;
}

const didYouMean = (s: string | undefined) => (s === undefined ? "" : `. Did you mean "${s}"?`);

/** What a field accepts, for error messages and --help. */
export function describeType(field: Field<unknown>): string {
  const range = formatRange(field.range);
  switch (field.type) {
    case "enum":
      return `one of ${field.values!.join(", ")}`;
    case "int":
      return range ? `an integer in ${range}` : "an integer";
    case "number":
      return range ? `a number in ${range}` : "a number";
    case "boolean":
      return "true or false";
    case "string":
      return "a string";
    case "string-list":
      return 'a list of strings ("a,b" or a JSON array)';
    case "number-list":
      return `a list of numbers ("1,0.5" or a JSON array)${range ? ` each in ${range}` : ""}`;
  }
}

/** Parses "1e-3"-style text strictly: no empty strings, no trailing junk, finite. */
function parseNumber(text: string): number | undefined {
  if (text.trim() === "") return undefined;
  const x = Number(text);
  return Number.isFinite(x) ? x : undefined;
}

const TRUE_WORDS = ["true", "1", "yes", "on"];
const FALSE_WORDS = ["false", "0", "no", "off"];

/** The value coerced to the field's type, or undefined when it does not fit (type, range or member). */
export function coerce(field: Field<unknown>, raw: unknown): unknown {
  const number = (
    v: unknown,
  ) => (typeof v === "number" ? v : typeof v === "string" ? parseNumber(v) : undefined);
  const list = (v: unknown) =>
    Array.isArray(v)
      ? v
      : typeof v === "string"
      ? (v.trim() === "" ? [] : v.split(",").map((s) => s.trim()))
      : undefined;
  switch (field.type) {
    case "number": {
      const x = number(raw);
      return x !== undefined && Number.isFinite(x) && inRange(x, field.range) ? x : undefined;
    }
    case "int": {
      const x = number(raw);
      return x !== undefined && Number.isInteger(x) && inRange(x, field.range) ? x : undefined;
    }
    case "boolean":
      if (typeof raw === "boolean") return raw;
      if (typeof raw !== "string") return undefined;
      if (TRUE_WORDS.includes(raw.toLowerCase())) return true;
      return FALSE_WORDS.includes(raw.toLowerCase()) ? false : undefined;
    case "string":
      return typeof raw === "string" ? raw : undefined;
    case "enum":
      return typeof raw === "string" && field.values!.includes(raw) ? raw : undefined;
    case "string-list": {
      const items = list(raw);
      return items?.every((s) => typeof s === "string") ? Object.freeze([...items]) : undefined;
    }
    case "number-list": {
      const items = list(raw)?.map(number);
      const ok = items?.every((x) => x !== undefined && Number.isFinite(x) && inRange(x, field.range));
      return ok ? Object.freeze([...items!]) : undefined;
    }
  }
}

/** {"rollout": {"n": 8}} -> {"rollout.n": 8}, so that nested files from other projects meet ALIASES. */
function flatten(
  values: Record<string, unknown>,
  prefix = "",
  out: [string, unknown][] = [],
): [string, unknown][] {
  for (const [k, v] of Object.entries(values)) {
    const key = prefix + k;
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      flatten(v as Record<string, unknown>, `${key}.`, out);
    } else out.push([key, v]);
  }
  return out;
}

const show = (v: unknown) => (typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v) ?? String(v));

/** Merges defaults < layers (in order) into one frozen, validated RunConfig. */
export function parseConfig(layers: readonly ConfigLayer[]): ParsedConfig {
  const values: Record<string, unknown> = {};
  for (const name of FIELD_NAMES) values[name] = FIELDS[name].default;
  const notes: string[] = [];

  for (const layer of layers) {
    for (const [rawKey, raw] of flatten(layer.values)) {
      let key = rawKey;
      if (!isFieldName(key)) {
        const target = ALIASES[key];
        if (target === undefined) {
          const suggestion = nearest(key, [...FIELD_NAMES, ...Object.keys(ALIASES)]);
          const known = suggestion !== undefined && !isFieldName(suggestion)
            ? ALIASES[suggestion]
            : suggestion;
          throw new ConfigError(
            `unknown config key "${key}" (from ${layer.source})${didYouMean(known)} (--help lists every key)`,
            key,
            layer.source,
          );
        }
        notes.push(`config: "${key}" (from ${layer.source}) is read as ${target}`);
        key = target;
      }
      const field: Field<unknown> = FIELDS[key as FieldName];
      const value = coerce(field, raw);
      if (value === undefined) {
        const hint = field.type === "enum" && typeof raw === "string"
          ? didYouMean(nearest(raw, field.values!))
          : "";
        throw new ConfigError(
          `bad value for "${key}" (from ${layer.source}): ${show(raw)} is not ${describeType(field)}${hint}`,
          key,
          layer.source,
        );
      }
      values[key] = value;
    }
  }

  const config = Object.freeze(values) as RunConfig;
  for (const check of CROSS_CHECKS) {
    const problem = check(config);
    if (problem !== undefined) throw new ConfigError(`bad config: ${problem}`);
  }
  return { config, notes };
}
