/**
 * window.grpoLab: the lab for scripts (Playwright, the devtools console), so that browser experiments
 * run unattended. Every method works on the same LabStore the page shows.
 *
 *   await grpoLab.ready;
 *   await grpoLab.start({ task: "count", max_steps: 20, reward_weights: [0.5, 1] }); // a train config
 *   const metrics = await grpoLab.waitForSteps(5);       // one metrics object per step, TRL's names
 *   await grpoLab.setWeights([0, 1]);                   // from the step after the one in flight
 *   grpoLab.reports();  // [{ step, rewardWeights }]: the weights the worker used, per step
 *   grpoLab.groups();   // the latest step's groups: prompt, solution, completions with rewards
 *   grpoLab.saved();    // checkpoints kept in this browser (every save_steps and at the end of a run)
 *   grpoLab.dataCheck(); // the picked data set's check: { state, lines, problems, valid, total }
 *   await grpoLab.debugLoseDevice(); // for tests: destroys the trainer's GPU device (a real loss)
 */
import type { RunConfig } from "../../core/config/fields.ts";
import type { GroupLog, Metrics } from "../../core/grpo/step_metrics.ts";
import type { LabError, LabStore, RunStatus } from "./lab_store.ts";

export interface GrpoLabApi {
  /** Resolves once the default run is read and the adapter detected. */
  ready: Promise<void>;
  /** The backend line's facts: backend "" before a run; adapter "" when there is none. */
  backend(): { backend: string; adapter: string; software: boolean; webgpu: boolean };
  /** The settings in force (a RunConfig). */
  config(): RunConfig;
  /**
   * Replaces the page's settings with `config` (keys as `deno task train --config` reads them, over
   * public/configs/default.json) and starts a run. Rejects when the config is bad or init fails.
   */
  start(config?: Record<string, unknown>): Promise<void>;
  /** Resolves with every step's metrics once `n` steps are done; rejects on an error, an early end or timeout. */
  waitForSteps(n: number, timeoutMs?: number): Promise<Metrics[]>;
  metrics(): Metrics[];
  /** Per step: the reward weights the worker used. */
  reports(): { step: number; rewardWeights: number[] }[];
  /** The groups of step `step` (1-based), the latest by default. */
  groups(step?: number): GroupLog[];
  setWeights(weights: number[]): Promise<void>;
  pause(): void;
  resume(): void;
  stop(): void;
  reset(): void;
  status(): RunStatus;
  /** The current run's save slot in the browser's storage (OPFS); "" before a run. */
  runName(): string;
  /** The saves in the browser's storage: slot name and step. */
  saved(): { name: string; step: number }[];
  /** True while a checkpoint is being written. */
  saving(): boolean;
  errors(): LabError[];
  /**
   * For tests and to try the recovery: destroys the trainer worker's GPUDevice (webgpu runs only), so
   * that the step in flight fails as on a driver reset and the page offers to continue on wasm from the
   * last checkpoint. Resolves with the loss's reason ("destroyed: ..."); rejects on wasm or with no run.
   */
  debugLoseDevice(): Promise<string>;
  /** Lines the lab said (backend choice, reward notes, saves). */
  notes(): string[];
  /**
   * The picked data set's check: state "none" | "checking" | "checked" | "failed"; when checked, the
   * lines `deno task data check` prints, the problem count, valid and total samples; when failed, why.
   */
  dataCheck(): {
    state: string;
    lines: string[];
    problems: number;
    valid: number;
    total: number;
    message: string;
  };
}

export function labApi(store: LabStore, ready: Promise<void>): GrpoLabApi {
  const failure = () => store.errors.map((e) => e.message).join("; ");
  return {
    ready,
    backend: () => ({
      backend: store.info?.backend ?? "",
      adapter: store.env?.adapter?.name ?? "",
      software: store.env?.adapter?.software ?? false,
      webgpu: store.env?.webgpuApi ?? false,
    }),
    config: () => store.config,
    async start(config) {
      await ready;
      if (config && !store.importConfig(JSON.stringify(config), "grpoLab.start()")) {
        throw new Error(failure());
      }
      await store.start();
      if (store.status === "error") throw new Error(failure());
    },
    waitForSteps(n, timeoutMs = 600_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (store.records.length >= n) {
            done();
            resolve(store.records.slice(0, n).map((r) => r.metrics));
          } else if (store.status === "error") {
            done();
            reject(new Error(failure()));
          } else if (store.status === "done" || store.status === "stopped" || store.status === "idle") {
            done();
            reject(new Error(`the run ended (${store.status}) after ${store.records.length} of ${n} steps`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`waitForSteps(${n}): ${store.records.length} steps after ${timeoutMs} ms`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          store.removeEventListener("change", check);
        };
        store.addEventListener("change", check);
        check();
      });
    },
    metrics: () => store.records.map((r) => r.metrics),
    reports: () => store.records.map((r) => ({ step: r.metrics.step, rewardWeights: r.rewardWeights })),
    groups: (step) => (step ? store.records[step - 1] : store.records.at(-1))?.groups ?? [],
    setWeights: (weights) => store.setWeights(weights),
    pause: () => store.pause(),
    resume: () => store.resume(),
    stop: () => store.stop(),
    reset: () => store.reset(),
    status: () => store.status,
    runName: () => store.runName,
    saved: () => store.saved,
    saving: () => store.saving,
    errors: () => store.errors,
    debugLoseDevice: () => store.debugLoseDevice(),
    notes: () => store.notes,
    dataCheck: () => {
      const c = store.data.check;
      const report = c.state === "checked" ? c.checked.report : null;
      return {
        state: c.state,
        lines: c.state === "checked" ? c.checked.lines : [],
        problems: report?.problems.length ?? 0,
        valid: report?.valid.length ?? 0,
        total: report?.total ?? 0,
        message: c.state === "failed" ? c.message : "",
      };
    },
  };
}
