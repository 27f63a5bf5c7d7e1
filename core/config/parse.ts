/**
 * parseConfig: defaults < layers in order (a JSON file, then the command line). Every key is checked
 * against the field table; an unknown key or a bad value is a ConfigError that names the key, its source
 * and what is allowed. Strings are coerced by the field's type, so "1e-3", "true" and "a,b" work.
 * Keys `<name>_reward_weight` / `<name>_weight` that are no field or alias set one reward's weight.
 */
import { type Field, formatRange, inRange, num } from "./field.ts";
import {
  ALIASES,
  CROSS_CHECKS,
  type FieldName,
  FIELDS,
  rewardWeightsProblem,
  type RunConfig,
} from "./fields.ts";
import { REWARDS } from "../rewards/registry.ts";

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

/** "_adam_beta1_": a name's words between underscores, so that "beta1" matches whole words only. */
const wordsOf = (s: string) => `_${s.toLowerCase().replaceAll(".", "_")}_`;

/**
 * The closest candidate to `name`, or undefined when none is close. In order: an exact match; a
 * candidate holding the name as whole words (beta1 -> adam_beta1, though "beta" is one edit away);
 * one within about a third of the name's length in edits; one containing it.
 */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  if (bestDistance === 0) return best;
  const wordMatch = candidates.find((c) => wordsOf(c).includes(wordsOf(name)));
  if (wordMatch !== undefined) return wordMatch;
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
    case "map":
      return field.depth === 1 ? "set as KEY.NAME=VALUE" : "set as KEY.NAME.OPTION=VALUE";
  }
}

/**
 * Decimal numbers as written in configs ("8", "-0.5", "1e-3", ".5"), strictly: no empty strings, no
 * trailing junk, finite. Number() alone would also take "0x1", "0b1" and "0o7", which nobody means here.
 */
const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;

function parseNumber(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
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
    case "map":
      return undefined; // set key by key, see mapEntry()
  }
}

/**
 * A flattened key inside a map field, e.g. "reward_options.format.tags" -> the field and the path
 * ["format", "tags"]; undefined when the key is in no map field.
 */
function mapEntry(key: string): { field: FieldName; path: string[] } | undefined {
  const dot = key.indexOf(".");
  if (dot < 0) return undefined;
  const name = key.slice(0, dot);
  if (!isFieldName(name) || FIELDS[name].type !== "map") return undefined;
  return { field: name, path: key.slice(dot + 1).split(".") };
}

/** Sets one map leaf in `values`, copying the map so that defaults stay frozen. */
function setMapEntry(values: Record<string, unknown>, key: string, raw: unknown, source: string): void {
  const { field, path } = mapEntry(key)!;
  const depth = (FIELDS[field] as Field<unknown>).depth!;
  const shape = depth === 1 ? `${field}.NAME` : `${field}.NAME.OPTION`;
  if (path.length !== depth || path.some((p) => p === "")) {
    throw new ConfigError(`bad config key "${key}" (from ${source}): expected ${shape}=VALUE`, key, source);
  }
  if (depth === 1 && typeof raw !== "string") {
    throw new ConfigError(
      `bad value for "${key}" (from ${source}): ${show(raw)} is not a string`,
      key,
      source,
    );
  }
  const map = { ...(values[field] as Record<string, unknown>) };
  if (depth === 1) map[path[0]] = raw;
  else map[path[0]] = { ...(map[path[0]] as Record<string, unknown> | undefined), [path[1]]: raw };
  values[field] = Object.freeze(map);
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

/** A `<name>_reward_weight` or `<name>_weight` key as read: the weight of one reward function. */
interface NamedWeight {
  key: string;
  source: string;
  weight: number;
}

/** What a named weight's value must be: any finite number (a negative weight makes a penalty). */
const NAMED_WEIGHT = num(1, "the weight of one reward function");

/** The reward names a key may weigh, longest first: "x_reward_weight" -> ["x_reward", "x"]. */
export function weightedRewardNames(key: string): string[] {
  const names: string[] = [];
  if (key.endsWith("_weight")) names.push(key.slice(0, -"_weight".length));
  if (key.endsWith("_reward_weight")) names.push(key.slice(0, -"_reward_weight".length));
  return names.filter((name) => name !== "");
}

/** A named weight's key and value, checked to be a number; which reward it weighs is decided later. */
function readNamedWeight(key: string, raw: unknown, source: string): NamedWeight {
  const weight = coerce(NAMED_WEIGHT, raw) as number | undefined;
  if (weight === undefined) {
    const allowed = describeType(NAMED_WEIGHT);
    throw new ConfigError(
      `bad value for "${key}" (from ${source}): ${show(raw)} is not ${allowed}`,
      key,
      source,
    );
  }
  return { key, source, weight };
}

/**
 * Applies `<name>_reward_weight=W` / `<name>_weight=W` keys (R1-V style) after every layer is merged, so
 * that they are resolved against the final reward_funcs whichever layer set it. A named weight beats
 * reward_weights from any layer; an unset reward_weights ([]) is first filled with 1s. Such a key is only
 * read this way when it is neither a field nor an alias (weight_decay stays weight_decay). A name not in
 * reward_funcs is an error naming the key, so a weight that was given is never dropped.
 */
function applyNamedWeights(values: Record<string, unknown>, named: readonly NamedWeight[], notes: string[]) {
  const funcs = values.reward_funcs as readonly string[];
  const given = values.reward_weights as readonly number[];
  const problem = rewardWeightsProblem({ reward_funcs: funcs, reward_weights: given });
  if (problem !== undefined) throw new ConfigError(`bad config: ${problem}`, "reward_weights");
  const weights = given.length === 0 ? funcs.map(() => 1) : [...given];
  for (const { key, source, weight } of named) {
    const candidates = weightedRewardNames(key);
    const reward = candidates.find((name) => funcs.includes(name));
    if (reward === undefined) {
      const name = candidates.at(-1)!;
      const guess = nearest(name, funcs);
      throw new ConfigError(
        `"${key}" (from ${source}) is not a config key, and "${name}" is not in reward_funcs ` +
          `(${funcs.join(", ")}) for it to weigh${didYouMean(guess && key.replace(name, guess))}`,
        key,
        source,
      );
    }
    weights[funcs.indexOf(reward)] = weight;
    notes.push(`config: "${key}" (from ${source}) is read as the weight of reward "${reward}"`);
  }
  values.reward_weights = Object.freeze(weights);
  notes.push(
    `config: reward_weights = [${weights.join(", ")}] for reward_funcs [${funcs.join(", ")}]` +
      (given.length === 0 ? " (1 where no weight is named)" : ""),
  );
}

/** " (reward_weights from run.json; reward_funcs from command line)": where the keys a problem names were set. */
function settingSources(problem: string, sources: ReadonlyMap<string, string>): string {
  const named = [...sources].filter(([key]) => new RegExp(`\\b${key}\\b`).test(problem));
  return named.length === 0 ? "" : ` (${named.map(([key, source]) => `${key} from ${source}`).join("; ")})`;
}

/**
 * A name in reward_funcs that is neither a built-in reward nor a custom_rewards entry, as an error naming
 * it and the nearest known name. Checked before reward_weights is matched against reward_funcs, so that a
 * misspelt reward is reported as that rather than as a count of weights.
 */
export function unknownRewardProblem(
  c: Pick<RunConfig, "reward_funcs" | "custom_rewards">,
  where = "",
): string | undefined {
  const known = [...Object.keys(REWARDS), ...Object.keys(c.custom_rewards)];
  const name = c.reward_funcs.find((f) => !known.includes(f));
  if (name === undefined) return undefined;
  return `unknown reward function "${name}": known ones are ${known.join(", ")}` +
    `${didYouMean(nearest(name, known))} (a module of your own goes in custom_rewards.NAME${where})`;
}

/** Merges defaults < layers (in order) into one frozen, validated RunConfig. */
export function parseConfig(layers: readonly ConfigLayer[]): ParsedConfig {
  const values: Record<string, unknown> = {};
  for (const name of FIELD_NAMES) values[name] = FIELDS[name].default;
  const notes: string[] = [];
  const namedWeights: NamedWeight[] = [];
  /** Where each field got its value, for cross-check errors. */
  const sources = new Map<string, string>();

  for (const layer of layers) {
    for (const [rawKey, raw] of flatten(layer.values)) {
      let key = rawKey;
      if (mapEntry(key)) {
        setMapEntry(values, key, raw, layer.source);
        continue;
      }
      if (!isFieldName(key)) {
        const target = ALIASES[key];
        if (target === undefined && weightedRewardNames(key).length > 0) {
          namedWeights.push(readNamedWeight(key, raw, layer.source));
          continue;
        }
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
      sources.set(key, layer.source);
    }
  }

  const unknownReward = unknownRewardProblem(
    values as Pick<RunConfig, "reward_funcs" | "custom_rewards">,
    sources.has("reward_funcs") ? `; reward_funcs from ${sources.get("reward_funcs")}` : "",
  );
  if (unknownReward !== undefined) throw new ConfigError(unknownReward, "reward_funcs");
  if (namedWeights.length > 0) applyNamedWeights(values, namedWeights, notes);
  const config = Object.freeze(values) as RunConfig;
  for (const check of CROSS_CHECKS) {
    const problem = check(config);
    if (problem !== undefined) {
      throw new ConfigError(`bad config: ${problem}${settingSources(problem, sources)}`);
    }
  }
  return { config, notes };
}
