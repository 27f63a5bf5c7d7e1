/**
 * Where rewards are computed. The trainer asks a RewardScorer and awaits the answer later, so that a
 * scorer in its own worker (workers/reward.worker.ts) runs while the trainer does GPU work.
 */
import { type RewardSample, type RewardValue, scoreRows } from "./registry.ts";

export interface RewardScorer {
  /** Where it runs, said once in the run's log: "reward worker" or "trainer thread". */
  readonly where: string;
  /** out[f][r]: function `names[f]` on row r. */
  score(names: readonly string[], completions: string[], samples: RewardSample[]): Promise<RewardValue[][]>;
  close(): void;
}

/** Scores on the calling thread: for tests of the step and for environments without workers. */
export function inThreadScorer(): RewardScorer {
  return { where: "trainer thread", score: scoreRows, close: () => {} };
}
