/**
 * Where rewards are computed. The trainer asks a RewardScorer and awaits the answer later, so that a
 * scorer in its own worker (workers/reward.worker.ts) runs while the trainer does GPU work.
 */
import type { OpenCustomReward } from "./definition.ts";
import type { RewardSample, RewardValue } from "./types.ts";
import {
  closeRewards,
  type LoadedReward,
  loadRewardSet,
  rewardContext,
  type RewardSetSpec,
  scoreRewards,
} from "./reward_set.ts";
import { Notes } from "../notes.ts";

/** Scores out[f][r], the seconds the scoring itself took where it ran, and what rewards said once. */
export interface Scored {
  scores: RewardValue[][];
  seconds: number;
  said: string[];
}

/** A scorer's two calls, as the reward worker exposes them. */
export interface SpecScorer {
  score(spec: RewardSetSpec, completions: string[], samples: RewardSample[]): Promise<Scored>;
  /** Stops the workers of the custom rewards it loaded. */
  close(): Promise<void>;
}

/**
 * Scores rows with the rewards of a spec, loading them once per distinct spec. What the reward worker and
 * the in-thread scorer both run; `sayOnce` lines are returned once over the scorer's lifetime. Custom
 * rewards run through `openCustom` (see loadRewardSet).
 */
export function specScorer(base: URL, openCustom?: OpenCustomReward): SpecScorer {
  const loaded = new Map<string, Promise<LoadedReward[]>>();
  const ctx = rewardContext(new Notes());
  return {
    async score(spec, completions, samples) {
      const key = JSON.stringify(spec);
      if (!loaded.has(key)) loaded.set(key, loadRewardSet(spec, base, openCustom));
      const rewards = await loaded.get(key)!;
      const t0 = performance.now();
      const scores = await scoreRewards(rewards, completions, samples, ctx);
      const seconds = (performance.now() - t0) / 1000;
      return { scores, seconds, said: ctx.notes.take() };
    },
    async close() {
      const sets = await Promise.allSettled(loaded.values());
      loaded.clear();
      await Promise.all(sets.map((s) => s.status === "fulfilled" ? closeRewards(s.value) : undefined));
    },
  };
}

export interface RewardScorer {
  /** Where it runs, said once in the run's log: "reward worker" or "trainer thread". */
  readonly where: string;
  /** out.scores[f][r]: reward `spec.reward_funcs[f]` on row r. */
  score(spec: RewardSetSpec, completions: string[], samples: RewardSample[]): Promise<Scored>;
  /** Stops it; resolves once its thread has had time to shut down. */
  close(): Promise<void>;
}

/** The working directory as a folder URL: where relative custom reward paths resolve by default. */
export function cwdUrl(): URL {
  const cwd = typeof Deno !== "undefined" ? Deno.cwd() : "/";
  return new URL(`file://${cwd.endsWith("/") ? cwd : cwd + "/"}`);
}

/** Scores on the calling thread: for tests of the step and for environments without workers. */
export function inThreadScorer(base: URL = cwdUrl(), openCustom?: OpenCustomReward): RewardScorer {
  const scorer = specScorer(base, openCustom);
  return { where: "trainer thread", score: scorer.score, close: scorer.close };
}
