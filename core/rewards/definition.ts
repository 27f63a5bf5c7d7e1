/**
 * One reward's options and calls, without the registry: what both core/rewards/reward_set.ts and the
 * sandboxed custom reward worker (workers/custom_reward.worker.ts) need, so that the worker loads no
 * built-in reward's code.
 */
import { bool, type Field, num, numList, str, strList } from "../config/field.ts";
import { coerce, describeType, nearest } from "../config/parse.ts";
import type { RewardContext, RewardDefinition, RewardOptions, RewardSample, RewardValue } from "./types.ts";

/** A user's reward function, as a custom module's default export. */
export type CustomRewardFn = (completion: string, sample: RewardSample) =>
  | RewardValue
  | Promise<RewardValue>;

/**
 * The config field an option's default implies, so that options are coerced and described exactly as
 * config keys are ("1e-3", "yes", "a,b" from the command line; a list's element type from its default's
 * first element, strings for an empty default).
 */
function fieldLike(example: RewardOptions[string]): Field<unknown> {
  if (typeof example === "number") return num(example, "");
  if (typeof example === "boolean") return bool(example, "");
  if (typeof example === "string") return str(example, "");
  return example.length > 0 && typeof example[0] === "number"
    ? numList(example as number[], "")
    : strList(example as string[], "");
}

/** The definition's defaults with `given` applied; an unknown key or a bad value names the key. */
export function resolveOptions(
  definition: Pick<RewardDefinition, "name" | "defaults">,
  given: Readonly<Record<string, unknown>> = {},
): RewardOptions {
  const options: RewardOptions = { ...definition.defaults };
  const keys = Object.keys(definition.defaults);
  for (const [key, raw] of Object.entries(given)) {
    const path = `reward_options.${definition.name}.${key}`;
    if (!Object.hasOwn(definition.defaults, key)) {
      const guess = nearest(key, keys);
      throw new Error(
        `unknown reward option "${path}": ` +
          (keys.length === 0
            ? `reward "${definition.name}" takes no options`
            : `known ones are ${keys.join(", ")}`) +
          (guess ? `. Did you mean "${guess}"?` : ""),
      );
    }
    const field = fieldLike(definition.defaults[key]);
    const value = coerce(field, raw) as RewardOptions[string] | undefined;
    if (value === undefined) {
      throw new Error(`bad value for "${path}": ${JSON.stringify(raw)} is not ${describeType(field)}`);
    }
    options[key] = value;
  }
  return options;
}

/** A custom module's default export as a definition: a function, or a whole RewardDefinition. */
export function definitionFromModule(
  name: string,
  path: string,
  module: Record<string, unknown>,
): RewardDefinition {
  const exported = module.default;
  if (typeof exported === "function") {
    const fn = exported as CustomRewardFn;
    return {
      name,
      fn: (completion, sample) => fn(completion, sample),
      defaults: {},
      range: "as the module documents",
      doc: `custom reward from ${path}`,
      source: path,
    };
  }
  if (exported && typeof exported === "object" && typeof (exported as RewardDefinition).fn === "function") {
    const definition = exported as Partial<RewardDefinition>;
    return {
      fn: definition.fn!,
      defaults: definition.defaults ?? {},
      range: definition.range ?? "as the module documents",
      doc: definition.doc ?? `custom reward from ${path}`,
      needsImage: definition.needsImage,
      needsPolicy: definition.needsPolicy,
      name,
      source: path,
    };
  }
  throw new Error(
    `custom reward "${name}": ${path} has no default export that is a function ` +
      "(completion, sample) => number | null | Promise<number | null>",
  );
}

/** Whether a definition reads the pixels with these options. */
export function readsImage(definition: RewardDefinition, options: RewardOptions): boolean {
  // A custom module written in JavaScript may give a plain boolean.
  const needs = definition.needsImage as unknown;
  return typeof needs === "function" ? definition.needsImage!(options) : needs === true;
}

/** The error of reward `name` on row r, as every scorer words it. */
export function rowError(name: string, row: number, sample: RewardSample, reason: string): Error {
  return new Error(`reward "${name}" failed on row ${row} (sample ${sample.id}): ${reason}`);
}

/**
 * One reward on every row: out[r]. A call that throws, or returns something that is neither a finite
 * number nor null, fails the whole call with the reward's name and the row, so that a broken reward is
 * never read as a zero. `onRow(r, done)` is told when row r starts and when it returns; a synchronous
 * answer is reported before the next row starts, so that a row stuck in an endless loop is the one
 * started and not done.
 */
export async function scoreRows(
  name: string,
  call: (completion: string, sample: RewardSample) => RewardValue | Promise<RewardValue>,
  completions: readonly string[],
  samples: readonly RewardSample[],
  onRow: (row: number, done: boolean) => void = () => {},
): Promise<RewardValue[]> {
  return await Promise.all(completions.map(async (completion, r) => {
    try {
      onRow(r, false);
      const answer = call(completion, samples[r]);
      const value = answer instanceof Promise ? await answer : answer;
      onRow(r, true);
      if (value !== null && (typeof value !== "number" || !Number.isFinite(value))) {
        throw new Error(`returned ${typeof value === "number" ? value : JSON.stringify(value)}`);
      }
      return value;
    } catch (e) {
      throw rowError(name, r, samples[r], (e as Error).message);
    }
  }));
}

/** What the caller needs to know of a loaded custom reward. */
export interface CustomRewardInfo {
  defaults: RewardOptions;
  /** The defaults with reward_options.NAME applied. */
  options: RewardOptions;
  range: string;
  doc: string;
  needsImage: boolean;
  needsPolicy: boolean;
}

/**
 * A custom reward that runs outside this thread, in a sandbox the caller provides (under Deno and in the
 * lab: workers/custom_reward.ts, a worker of its own with narrowed permissions). core/ never imports the
 * user's module itself.
 */
export interface CustomRewardRunner {
  /** "custom reward NAME: runs code from PATH (...)": said on every start of a command that loads it. */
  readonly note: string;
  /** Imports the module; its info, or why it cannot load. */
  load(): Promise<CustomRewardInfo>;
  /** out[r]: the reward on row r; fails naming the row when it throws or does not return in time. */
  score(
    completions: readonly string[],
    samples: readonly RewardSample[],
    ctx: RewardContext,
  ): Promise<RewardValue[]>;
  close(): Promise<void>;
}

/**
 * Opens a runner for custom_rewards.NAME: `path` as given, `url` where it resolved, `given` its
 * reward_options.NAME, `timeoutS` reward_timeout_s.
 */
export type OpenCustomReward = (
  name: string,
  path: string,
  url: URL,
  given: Readonly<Record<string, unknown>>,
  timeoutS: number,
) => CustomRewardRunner;
