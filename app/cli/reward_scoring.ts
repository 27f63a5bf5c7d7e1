/**
 * What `deno task score` and `deno task serve-rewards` share: their command line (--rewards, --weights,
 * --config, key=value, as every command reads them) and a scorer built from the run config's reward
 * settings with core/rewards/reward_set.ts, so that a completion scores offline exactly as in training.
 */
import type { RunConfig } from "../../core/config/mod.ts";
import { REWARDS, weightedTotal } from "../../core/rewards/registry.ts";
import {
  closeRewards,
  type LoadedReward,
  loadRewardSet,
  needsImage,
  rewardContext,
  rewardNotes,
  rewardSpecOf,
  scoreRewards,
} from "../../core/rewards/reward_set.ts";
import { Notes } from "../../core/notes.ts";
import { cwdUrl } from "../../core/rewards/scorer.ts";
import type { RewardValue } from "../../core/rewards/types.ts";
import { parseArgsOrExit, type ValueSpec } from "./args.ts";
import type { ScoreRow } from "./score_input.ts";
import { openCustomReward } from "../../workers/custom_reward.ts";

/** Keys the outputs use for themselves; a reward of one of these names would be overwritten. */
export const RESERVED_NAMES = ["line", "id", "error", "total", "score"] as const;

/** One row scored: each reward's value in reward_funcs' order (null: does not apply) and the total. */
export interface Scored {
  values: RewardValue[];
  total: number;
}

export interface Scoring {
  names: readonly string[];
  /** One weight per reward (1 where reward_weights is []). */
  weights: readonly number[];
  /** Scores rows; throws naming the reward and the row when a reward throws. */
  score(rows: readonly ScoreRow[]): Promise<Scored[]>;
  /** The sayOnce lines said since the last call, each once over the scorer's life. */
  said(): string[];
  /** "custom reward NAME: runs code from PATH (...)" per custom reward, said at start. */
  notes: readonly string[];
  /** Stops the custom rewards' workers. */
  close(): Promise<void>;
}

/** "format ×1, accuracy ×2": the rewards and weights, for the start-up line. */
export function describeScoring(s: Pick<Scoring, "names" | "weights">): string {
  return s.names.map((name, i) => `${name} ×${s.weights[i]}`).join(", ");
}

/**
 * The float32 total (what the trainer uses: weightedTotal is a Float32Array) written with the fewest
 * digits that read back as the same float32, so that 1 + 2 · 0.1 prints as 1.2, not 1.2000000476837158.
 */
export function float32Json(x: number): number {
  const f = Math.fround(x);
  for (let digits = 1; digits < 9; digits++) {
    const y = Number(f.toPrecision(digits));
    if (Math.fround(y) === f) return y;
  }
  return f;
}

/**
 * Loads the config's rewards. Relative custom_rewards paths resolve against `base` (the working
 * directory by default); custom modules run in their sandboxed workers, as in training. A reward that
 * needs the image's pixels, or whose name the outputs reserve, is refused here: offline there are no
 * pixels, and a reward must not be read as some other column.
 */
export async function loadScoring(
  config:
    & Pick<RunConfig, "reward_funcs" | "reward_weights" | "reward_options" | "custom_rewards">
    & Partial<Pick<RunConfig, "reward_timeout_s">>,
  base: URL = cwdUrl(),
): Promise<Scoring> {
  const rewards = await loadRewardSet(rewardSpecOf(config), base, openCustomReward);
  try {
    checkOffline(rewards);
  } catch (e) {
    await closeRewards(rewards);
    throw e;
  }
  const names = rewards.map((r) => r.name);
  const weights = names.map((_, i) => config.reward_weights.length === 0 ? 1 : config.reward_weights[i]);
  const ctx = rewardContext(new Notes());
  return {
    names,
    weights,
    async score(rows) {
      const scores = await scoreRewards(
        rewards,
        rows.map((r) => r.completion),
        rows.map((r) => r.sample),
        ctx,
      );
      const totals = weightedTotal(scores, weights);
      return rows.map((_, r) => ({
        values: scores.map((column) => column[r]),
        total: float32Json(totals[r]),
      }));
    },
    said: () => ctx.notes.take(),
    notes: rewardNotes(rewards),
    close: () => closeRewards(rewards),
  };
}

/** Throws for a reward that cannot score offline: a reserved name, or one that needs pixels or the policy. */
function checkOffline(rewards: readonly LoadedReward[]): void {
  for (const reward of rewards) {
    const { name, definition } = reward;
    if ((RESERVED_NAMES as readonly string[]).includes(name)) {
      throw new Error(
        `reward "${name}": the score outputs use "${name}" themselves; give the reward another name`,
      );
    }
    if (needsImage(reward)) {
      throw new Error(
        `reward "${name}" needs the image's pixels with these options, which score and serve-rewards ` +
          "do not have (only image_size); leave it out of --rewards",
      );
    }
    if (definition.needsPolicy) {
      throw new Error(
        `reward "${name}" asks the policy to generate, and score and serve-rewards have no policy; ` +
          "it runs only inside training",
      );
    }
  }
}

/** A command's own flag for --help: "--in FILE.jsonl" and what it does. */
export interface OwnFlag {
  flag: string;
  doc: string;
  required?: boolean;
}

/** The value flags every rewards-only command shares: the reward set, as in train. */
const REWARD_FLAGS = {
  "--rewards": { key: "reward_funcs" },
  "--weights": { key: "reward_weights" },
} as const;

/** A command's own flag ("--in FILE.jsonl") as the parser's value flag and its argument's name. */
function ownValues(ownFlags: readonly OwnFlag[]): Record<string, ValueSpec> {
  return Object.fromEntries(ownFlags.map((f) => {
    const [flag, arg] = f.flag.split(" ");
    return [flag, { arg, doc: f.doc }];
  }));
}

function helpText(command: string, summary: string, ownFlags: readonly OwnFlag[]): string {
  const line = (flag: string, doc: string) => `  ${flag.padEnd(24)} ${doc}`;
  const rewards = Object.values(REWARDS).map((r) => `  ${r.name.padEnd(24)} ${r.range}`);
  return [
    `deno task ${command}: ${summary}`,
    "",
    `usage: deno task ${command} ${
      ownFlags.map((f) => f.required ? f.flag : `[${f.flag}]`).join(" ")
    } [--rewards a,b] ` +
    "[--weights x,y] [--config FILE.json]... [key=value ...]",
    "Later settings win: defaults < --config files (in order) < key=value and flags (in order).",
    "",
    "flags:",
    ...ownFlags.map((f) => line(f.flag, f.doc)),
    line("--rewards a,b", "sets reward_funcs (default format,accuracy)"),
    line("--weights x,y", "sets reward_weights, one per reward; default 1 each"),
    line("--config FILE.json", "a run config; its reward settings are used (may repeat)"),
    line("--help", "show this text"),
    "",
    "config keys read (others of a run config are checked and not used):",
    line("reward_funcs", "the rewards, in order"),
    line("reward_weights", "their weights ([] = 1 each; or NAME_weight=W)"),
    line("reward_options.NAME.KEY", "a reward's option over its default"),
    line("custom_rewards.NAME", "path of a module of your own, relative to the working directory"),
    line("reward_timeout_s", "seconds a custom reward may go without returning (default 60)"),
    "",
    "built-in rewards:",
    ...rewards,
  ].join("\n");
}

/**
 * The config of a rewards-only command and its own flags' values, through the one parser (args.ts):
 * --help prints and exits 0; a bad flag, key or value prints "error: ..." and exits 2. --out, --backend
 * and --seed are not shared here (score's --out is its own).
 */
export function rewardConfigOrExit(
  command: string,
  summary: string,
  ownFlags: readonly OwnFlag[],
  argv: readonly string[] = Deno.args,
): { config: RunConfig; values: Map<string, string[]> } {
  const { config, values } = parseArgsOrExit({
    name: command,
    summary,
    flags: REWARD_FLAGS,
    values: ownValues(ownFlags),
    sharedFlags: false,
    help: () => helpText(command, summary, ownFlags),
  }, argv);
  return { config, values };
}

/**
 * loadScoring for an entry point: a bad reward name, option or module prints "error: ..." and exits 2.
 * Each custom reward is said on stderr, with the code it runs.
 */
export async function loadScoringOrExit(config: RunConfig): Promise<Scoring> {
  let scoring: Scoring;
  try {
    scoring = await loadScoring(config);
  } catch (e) {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    Deno.exit(2);
  }
  for (const note of scoring.notes) console.error(note);
  return scoring;
}
