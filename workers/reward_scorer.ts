/** A RewardScorer backed by workers/reward.worker.ts, started from the trainer worker. */
import * as Comlink from "comlink";
import type { RewardScorer } from "../core/rewards/scorer.ts";
import { crashAware } from "./crash_aware.ts";
import type { RewardWorkerApi } from "./reward.worker.ts";

/** How long close() waits after terminating the worker. */
const WORKER_SHUTDOWN_MS = 250;
/** How long close() waits for the worker to stop its custom rewards' workers (it may be busy or dead). */
const CUSTOM_CLOSE_MS = 1000;

export function workerScorer(): RewardScorer {
  const worker = new Worker(new URL("./reward.worker.ts", import.meta.url), { type: "module" });
  // A reward worker that dies fails the step with its reason instead of leaving it waiting.
  const { remote, api } = crashAware<RewardWorkerApi>(worker, "reward");
  return {
    where: "reward worker",
    score: (spec, completions, samples) => api.score(spec, completions, samples),
    close: async () => {
      // The custom rewards' sandboxed workers first; a reward worker that crashed cannot answer.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise((resolve) => timer = setTimeout(resolve, CUSTOM_CLOSE_MS));
      await Promise.race([api.close(), late]).catch(() => {}).finally(() => clearTimeout(timer));
      remote[Comlink.releaseProxy]();
      worker.terminate();
      // As in app/cli/trainer_client.ts: a process that exits right after terminate() can crash in
      // Deno 2.9's teardown; give the worker's thread a moment to shut down first.
      await new Promise((resolve) => setTimeout(resolve, WORKER_SHUTDOWN_MS));
    },
  };
}
