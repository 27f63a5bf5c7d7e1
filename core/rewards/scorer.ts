/**
 * Where rewards are computed. The trainer asks a RewardScorer and awaits the answer later, so that a
 * scorer in its own worker (workers/reward.worker.ts) runs while the trainer does GPU work.
 */
import { type RewardSample, type RewardValue, scoreRows } from "./registry.ts";

/** Scores out[f][r], and the seconds the scoring itself took where it ran (not the wait for it). */
export interface Scored {
  scores: RewardValue[][];
  seconds: number;
}

/** scoreRows, timed: what the reward worker and the in-thread scorer both run. */
export async function timedScoreRows(
  names: readonly string[],
  completions: string[],
  samples: RewardSample[],
): Promise<Scored> {
  const t0 = performance.now();
  const scores = await scoreRows(names, completions, samples);
  return { scores, seconds: (performance.now() - t0) / 1000 };
}

export interface RewardScorer {
  /** Where it runs, said once in the run's log: "reward worker" or "trainer thread". */
  readonly where: string;
  /** out.scores[f][r]: function `names[f]` on row r. */
  score(names: readonly string[], completions: string[], samples: RewardSample[]): Promise<Scored>;
  /** Stops it; resolves once its thread has had time to shut down. */
  close(): Promise<void>;
}

/** Scores on the calling thread: for tests of the step and for environments without workers. */
export function inThreadScorer(): RewardScorer {
  return { where: "trainer thread", score: timedScoreRows, close: () => Promise.resolve() };
}
