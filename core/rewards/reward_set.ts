/**
 * The rewards of a run, resolved from its config: each name in reward_funcs becomes a definition (a
 * built-in from the registry, or a user's module named in custom_rewards) with its options checked and
 * merged over the defaults. The same spec resolves in the trainer, in the reward worker, in
 * `deno task score` and in `serve-rewards`, so a reward scores the same everywhere. A custom module is
 * only ever imported in its own sandbox, which the caller passes in (workers/custom_reward.ts's
 * openCustomReward), here as everywhere.
 */
import { FIELDS } from "../config/fields.ts";
import { nearest } from "../config/parse.ts";
import {
  type CustomRewardInfo,
  type CustomRewardRunner,
  type OpenCustomReward,
  readsImage,
  resolveOptions,
  scoreRows,
} from "./definition.ts";
import { REWARDS } from "./registry.ts";
import type { RewardContext, RewardDefinition, RewardOptions, RewardSample, RewardValue } from "./types.ts";

export { type CustomRewardFn, resolveOptions } from "./definition.ts";
export { rewardContext } from "./context.ts";

/** The reward part of a run config (plain JSON, so that it can cross to a worker). */
export interface RewardSetSpec {
  reward_funcs: readonly string[];
  /** reward_options.NAME.KEY: overrides of a reward's defaults. */
  reward_options: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** custom_rewards.NAME: the path (or file: URL) of a module whose default export is the reward. */
  custom_rewards: Readonly<Record<string, string>>;
  /** Seconds a custom reward may go without returning a row; default the config field's. */
  reward_timeout_s?: number;
}

/** The reward part of a run config. */
export function rewardSpecOf(config: {
  reward_funcs: readonly string[];
  reward_options: Readonly<Record<string, unknown>>;
  custom_rewards: Readonly<Record<string, unknown>>;
  reward_timeout_s?: number;
}): RewardSetSpec {
  return {
    reward_funcs: config.reward_funcs,
    reward_options: config.reward_options as RewardSetSpec["reward_options"],
    custom_rewards: config.custom_rewards as RewardSetSpec["custom_rewards"],
    reward_timeout_s: config.reward_timeout_s,
  };
}

/**
 * The spec with every custom module path made an absolute URL against `base`, so that it resolves the
 * same in any worker, wherever that worker's module sits.
 */
export function absoluteSpec(spec: RewardSetSpec, base: URL): RewardSetSpec {
  const custom = Object.entries(spec.custom_rewards).map((
    [name, path],
  ) => [name, moduleUrl(name, path, base).href]);
  return { ...spec, custom_rewards: Object.fromEntries(custom) };
}

/** The spec narrowed to some of its rewards, with only their options. */
export function subSpec(spec: RewardSetSpec, names: readonly string[]): RewardSetSpec {
  return {
    ...spec,
    reward_funcs: names,
    reward_options: Object.fromEntries(
      Object.entries(spec.reward_options).filter(([n]) => names.includes(n)),
    ),
  };
}

/**
 * One reward of the run: its definition and the options it is called with. A custom reward has its
 * sandbox, which scores it; its definition here only describes it.
 */
export interface LoadedReward {
  name: string;
  definition: RewardDefinition;
  options: RewardOptions;
  sandbox?: CustomRewardRunner;
}

/** The timeout when a spec gives none (the config field's default). */
const DEFAULT_REWARD_TIMEOUT_S = FIELDS.reward_timeout_s.default;

/**
 * Where custom module `path` lives: a file path against `base`, or a file: URL. Any other URL (http:,
 * https:, data:, ...) is refused: a custom reward is code that runs here, so it comes from a file you
 * have, never from the network. A blob: URL is a file the browser lab's page read from disk, so it is
 * taken there, outside Deno.
 */
export function moduleUrl(name: string, path: string, base: URL): URL {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(path)?.[1].toLowerCase();
  // "C:\rewards\x.ts" is a Windows path, not a URL with scheme "c".
  if (scheme === undefined || /^[a-z]:[\\/]/i.test(path)) return new URL(path, base);
  if (scheme === "file" || (scheme === "blob" && typeof Deno === "undefined")) return new URL(path);
  throw new Error(
    `custom_rewards.${name}: "${path}" is a ${scheme}: URL; a custom reward must be a file path ` +
      "(its code runs on this machine, so it is never fetched from elsewhere)",
  );
}

/** Imports a custom reward in its sandboxed worker; its definition here only describes it. */
async function loadCustom(
  name: string,
  spec: RewardSetSpec,
  base: URL,
  openCustom: OpenCustomReward | undefined,
): Promise<LoadedReward> {
  const path = spec.custom_rewards[name];
  const url = moduleUrl(name, path, base);
  if (openCustom === undefined) {
    throw new Error(
      `custom_rewards.${name}: custom rewards run only in a sandboxed worker, and this caller has none`,
    );
  }
  const sandbox = openCustom(
    name,
    path,
    url,
    spec.reward_options[name] ?? {},
    spec.reward_timeout_s ?? DEFAULT_REWARD_TIMEOUT_S,
  );
  let info: CustomRewardInfo;
  try {
    info = await sandbox.load();
  } catch (e) {
    await sandbox.close();
    throw e;
  }
  const definition: RewardDefinition = {
    name,
    fn: () => {
      throw new Error(`reward "${name}" runs in its own worker: score it with scoreRewards()`);
    },
    defaults: info.defaults,
    range: info.range,
    doc: info.doc,
    source: path,
    needsImage: () => info.needsImage,
    needsPolicy: info.needsPolicy,
  };
  return { name, definition, options: info.options, sandbox };
}

/**
 * Resolves every reward the spec names, in reward_funcs' order. An unknown name is an error that lists
 * the known ones; options for a reward that is not used are an error too, so that nothing given is
 * silently dropped. `base` resolves relative custom module paths (the project root, or the page);
 * `openCustom` runs each custom one in its sandbox (without it, a custom reward is an error).
 */
export async function loadRewardSet(
  spec: RewardSetSpec,
  base: URL,
  openCustom?: OpenCustomReward,
): Promise<LoadedReward[]> {
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
  for (const name of spec.reward_funcs) {
    if (Object.hasOwn(REWARDS, name) || Object.hasOwn(spec.custom_rewards, name)) continue;
    const guess = nearest(name, known);
    throw new Error(
      `unknown reward function "${name}": known ones are ${known.join(", ")}` +
        (guess ? `. Did you mean "${guess}"?` : "") + " (a module of your own goes in custom_rewards.NAME)",
    );
  }
  const loading = await Promise.allSettled(spec.reward_funcs.map((name): Promise<LoadedReward> => {
    if (!Object.hasOwn(REWARDS, name)) return loadCustom(name, spec, base, openCustom);
    const definition = REWARDS[name];
    return Promise.resolve({
      name,
      definition,
      options: resolveOptions(definition, spec.reward_options[name]),
    });
  }));
  const failed = loading.find((r) => r.status === "rejected");
  const loaded = loading.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
  if (failed) {
    // The custom rewards that did load have workers: stop them before saying why the set failed.
    await closeRewards(loaded);
    throw failed.reason;
  }
  return loaded;
}

/** Stops the workers of the set's custom rewards. */
export async function closeRewards(rewards: readonly LoadedReward[]): Promise<void> {
  await Promise.all(rewards.map((r) => r.sandbox?.close()));
}

/** "custom reward NAME: runs code from PATH (...)", one line per custom reward of the set. */
export function rewardNotes(rewards: readonly LoadedReward[]): string[] {
  return rewards.flatMap((r) => r.sandbox ? [r.sandbox.note] : []);
}

/**
 * Whether the step calls this reward itself rather than through the run's scorer: a reward that asks
 * the policy (which is on the step's thread), or a custom one (already in a worker of its own).
 */
export function calledFromStep(reward: LoadedReward): boolean {
  return reward.definition.needsPolicy === true || reward.sandbox !== undefined;
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
    rewards.map(({ name, definition, options, sandbox }) =>
      sandbox ? sandbox.score(completions, samples, callCtx) : scoreRows(
        name,
        (completion, sample) => definition.fn(completion, sample, options, callCtx),
        completions,
        samples,
      )
    ),
  );
}

/** Whether a loaded reward reads the pixels with its options. */
export function needsImage({ definition, options }: LoadedReward): boolean {
  return readsImage(definition, options);
}
