/** A RewardScorer backed by workers/reward.worker.ts, started from the trainer worker. */
import * as Comlink from "comlink";
import type { RewardScorer } from "../core/rewards/scorer.ts";
import type { RewardWorkerApi } from "./reward.worker.ts";

export function workerScorer(): RewardScorer {
  const worker = new Worker(new URL("./reward.worker.ts", import.meta.url), { type: "module" });
  const api = Comlink.wrap<RewardWorkerApi>(worker);
  return {
    where: "reward worker",
    score: (names, completions, samples) => api.score(names, completions, samples),
    close: () => {
      api[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
