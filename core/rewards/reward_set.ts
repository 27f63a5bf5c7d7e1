/**
 * The rewards of a run, resolved from its config: each name in reward_funcs becomes a definition (a
 * built-in from the registry, or a user's module named in custom_rewards) with its options checked and
 * merged over the defaults. The same spec resolves in the trainer, in the reward worker, in
 * `deno task score` and in `serve-rewards`, so a reward scores the same everywhere.
 */
import { bool, type Field, num, numList, str, strList } from "../config/field.ts";
import { coerce, describeType, nearest } from "../config/parse.ts";
import { REWARDS } from "./registry.ts";
import type { RewardContext, RewardDefinition, RewardOptions, RewardSample, RewardValue } from "./types.ts";

/** The reward part of a run config (plain JSON, so that it can cross to a worker). */
export interface RewardSetSpec {
  reward_funcs: readonly string[];
  /** reward_options.NAME.KEY: overrides of a reward's defaults. */
  reward_options: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** custom_rewards.NAME: the path or URL of a module whose default export is the reward. */
  custom_rewards: Readonly<Record<string, string>>;
}

/** The reward part of a run config. */
export function rewardSpecOf(config: {
  reward_funcs: readonly string[];
  reward_options: Readonly<Record<string, unknown>>;
  custom_rewards: Readonly<Record<string, unknown>>;
}): RewardSetSpec {
  return {
    reward_funcs: config.reward_funcs,
    reward_options: config.reward_options as RewardSetSpec["reward_options"],
    custom_rewards: config.custom_rewards as RewardSetSpec["custom_rewards"],
  };
}

/**
 * The spec with every custom module path made an absolute URL against `base`, so that it resolves the
 * same in any worker, wherever that worker's module sits.
 */
export function absoluteSpec(spec: RewardSetSpec, base: URL): RewardSetSpec {
  const custom = Object.entries(spec.custom_rewards).map((
    [name, path],
  ) => [name, moduleUrl(path, base).href]);
  return { ...spec, custom_rewards: Object.fromEntries(custom) };
}

/** The spec narrowed to some of its rewards, with only their options. */
export function subSpec(spec: RewardSetSpec, names: readonly string[]): RewardSetSpec {
  return {
    reward_funcs: names,
    reward_options: Object.fromEntries(
      Object.entries(spec.reward_options).filter(([n]) => names.includes(n)),
    ),
    custom_rewards: spec.custom_rewards,
  };
}

/** One reward of the run: its definition and the options it is called with. */
export interface LoadedReward {
  name: string;
  definition: RewardDefinition;
  options: RewardOptions;
}

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
  definition: RewardDefinition,
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

/** Where a custom module lives: an absolute URL as given, else `path` against `base`. */
function moduleUrl(path: string, base: URL): URL {
  return /^[a-z][a-z0-9+.-]*:/i.test(path) && !/^[a-z]:[\\/]/i.test(path)
    ? new URL(path)
    : new URL(path, base);
}

/** Imports a custom reward; its default export is a function or a whole RewardDefinition. */
async function loadCustom(name: string, path: string, base: URL): Promise<RewardDefinition> {
  const url = moduleUrl(path, base);
  let module: Record<string, unknown>;
  try {
    module = await import(url.href);
  } catch (e) {
    throw new Error(`custom reward "${name}": cannot load ${path} (${url.href}): ${(e as Error).message}`);
  }
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

/**
 * Resolves every reward the spec names, in reward_funcs' order. An unknown name is an error that lists
 * the known ones; options for a reward that is not used are an error too, so that nothing given is
 * silently dropped. `base` resolves relative custom module paths (the project root, or the page).
 */
export async function loadRewardSet(spec: RewardSetSpec, base: URL): Promise<LoadedReward[]> {
  for (const name of Object.keys(spec.custom_rewards)) {
    if (Object.hasOwn(REWARDS, name)) {
      throw new Error(
        `custom_rewards.${name}: "${name}" is a built-in reward; give the custom one another name`,
      );
    }
  }
  for (const name of Object.keys(spec.reward_options)) {
    if (!spec.reward_funcs.includes(name)) {
      throw new Error(
        `reward_options.${name} is given but "${name}" is not in reward_funcs (${
          spec.reward_funcs.join(", ")
        })`,
      );
    }
  }
  const known = [...Object.keys(REWARDS), ...Object.keys(spec.custom_rewards)];
  return await Promise.all(spec.reward_funcs.map(async (name) => {
    let definition: RewardDefinition;
    if (Object.hasOwn(REWARDS, name)) definition = REWARDS[name];
    else if (Object.hasOwn(spec.custom_rewards, name)) {
      definition = await loadCustom(name, spec.custom_rewards[name], base);
    } else {
      const guess = nearest(name, known);
      throw new Error(
        `unknown reward function "${name}": known ones are ${known.join(", ")}` +
          (guess ? `. Did you mean "${guess}"?` : "") + " (a module of your own goes in custom_rewards.NAME)",
      );
    }
    return { name, definition, options: resolveOptions(definition, spec.reward_options[name]) };
  }));
}

/**
 * Scores every row with every reward: out[f][r]. A reward that throws, or returns something that is
 * neither a finite number nor null, fails the whole call with the reward's name and the row, so that a
 * broken reward is never read as a zero.
 */
export async function scoreRewards(
  rewards: readonly LoadedReward[],
  completions: readonly string[],
  samples: readonly RewardSample[],
  ctx: RewardContext,
): Promise<RewardValue[][]> {
  if (completions.length !== samples.length) {
    throw new Error(`scoreRewards(): ${completions.length} completions but ${samples.length} samples`);
  }
  const callCtx: RewardContext = { ...ctx, batch: samples };
  return await Promise.all(
    rewards.map(({ name, definition, options }) =>
      Promise.all(completions.map(async (completion, r) => {
        try {
          const value = await definition.fn(completion, samples[r], options, callCtx);
          if (value !== null && (typeof value !== "number" || !Number.isFinite(value))) {
            throw new Error(`returned ${typeof value === "number" ? value : JSON.stringify(value)}`);
          }
          return value;
        } catch (e) {
          throw new Error(
            `reward "${name}" failed on row ${r} (sample ${samples[r].id}): ${(e as Error).message}`,
          );
        }
      }))
    ),
  );
}

/** Whether a loaded reward reads the pixels with its options. */
export function needsImage({ definition, options }: LoadedReward): boolean {
  // A custom module written in JavaScript may give a plain boolean.
  const needs = definition.needsImage as unknown;
  return typeof needs === "function" ? definition.needsImage!(options) : needs === true;
}

/** A RewardContext whose sayOnce collects each distinct line once into `said`. */
export function collectingContext(generate?: RewardContext["generate"]): RewardContext & { said: string[] } {
  const seen = new Set<string>();
  const said: string[] = [];
  return {
    generate,
    said,
    sayOnce(message) {
      if (seen.has(message)) return;
      seen.add(message);
      said.push(message);
    },
  };
}
