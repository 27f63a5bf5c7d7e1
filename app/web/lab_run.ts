/**
 * The run's lifecycle on top of LabSettings: Start, the step loop over the trainer worker
 * (trainer_connection.ts), pause, resume, stop, reset, weight changes mid-run, errors during a step, past
 * runs to compare against. Saving is LabStore's (lab_store.ts): the loop calls autosave() between steps
 * and asks deviceLostOffer() for the way on after a lost GPU device.
 */
import type { RunConfig } from "../../core/config/fields.ts";
import type { GroupLog, Metrics } from "../../core/grpo/step_metrics.ts";
import type { InitInfo } from "../../core/train/init_info.ts";
import type { TrainState } from "../../core/train/train_state.ts";
import { LabData } from "./lab_data.ts";
import { type CheckpointChoice, type LabError, LabSettings } from "./lab_settings.ts";
import { parseMetricsJsonl } from "./metrics_export.ts";
import { type ComparedRun, STEP_TIME_KEY } from "./metrics_series.ts";
import { savedRunName } from "./saved_runs.ts";
import { connectTrainer, pageAssets, type TrainerConnection } from "./trainer_connection.ts";

export interface StepRecord {
  metrics: Metrics;
  groups: GroupLog[];
  /** The weights the worker used for this step's totals (its report, not the page's wish). */
  rewardWeights: number[];
}

/** A weight change: from `step` on, the rewards are weighted `weights`. */
export interface WeightMark {
  step: number;
  weights: number[];
}

/** What the page says to do after the trainer's GPU device was lost. */
export const DEVICE_LOST_ACTION = "continue on wasm (CPU) from the last checkpoint saved in this browser " +
  "with the button; or press Reset, then Start, to try the GPU again in a new worker";

/** Whether an error is the loss of the trainer's GPU device (core/device_loss.ts says so by name). */
export function isDeviceLoss(e: unknown): boolean {
  return /device.*lost|lost.*device/i.test(String(e));
}
const MAX_PAST_RUNS = 5;

export abstract class LabRun extends LabSettings {
  info: InitInfo | null = null;
  /** The settings the current (or last) run started with. */
  runConfig: RunConfig | null = null;
  /** The starting checkpoint of the current (or last) run: the KL reference, also after a resume. */
  runCheckpoint: CheckpointChoice | null = null;
  /** Earlier runs of this page (newest last, at most MAX_PAST_RUNS), to compare against. */
  pastRuns: ComparedRun[] = [];
  /** The run overlaid on the charts, or null. */
  compare: ComparedRun | null = null;
  /** The current run's save slot in the Origin Private File System (each save replaces the last). */
  runName = "";
  records: StepRecord[] = [];
  marks: WeightMark[] = [];
  /** The step being computed (1-based), 0 when none. */
  inFlight = 0;
  /** The data set picked in the page and its check (lab_data.ts). */
  readonly data: LabData = new LabData({
    config: () => this.config,
    applySettings: (patch, source) => this.applySettings(patch, source),
    vocabIds: async () => {
      const files = this.checkpoint.files ?? await this.shippedFiles();
      return (JSON.parse(files.configJson) as { vocab_ids?: number[] }).vocab_ids;
    },
    publicBase: () => pageAssets().publicBase,
    checkpointName: () => this.checkpoint.name,
  }, () => this.changed());
  protected connection: TrainerConnection | null = null;
  #loop: Promise<void> | null = null;
  #runCount = 0;

  /** Saves the run's state into its slot between steps (save_steps and the end), as deno task train does. */
  protected abstract autosave(): Promise<void>;

  /** After a lost GPU device: the way on the error offers. */
  protected abstract deviceLostOffer(): LabError["offer"];

  /** Sets reward i's weight; mid-run the worker uses it from the step after the one in flight. */
  async setWeight(i: number, weight: number): Promise<void> {
    const weights = this.weights;
    weights[i] = weight;
    await this.setWeights(weights);
  }

  async setWeights(weights: number[]): Promise<void> {
    if (!this.applySettings({ reward_weights: weights })) return;
    if (this.connection && this.info && this.status !== "stopped" && this.status !== "done") {
      const step = this.inFlight > 0 ? this.inFlight + 1 : this.records.length + 1;
      this.marks = [...this.marks.filter((m) => m.step !== step), { step, weights: [...weights] }];
      try {
        await this.connection.api.setRewardWeights(weights);
      } catch (e) {
        this.fail(e, "reset and start again");
      }
      this.changed();
    }
  }

  /** Starts a new run with the current settings (a fresh worker state; the charts start over). */
  async start(): Promise<void> {
    await this.begin(this.config, this.checkpoint, [], undefined, savedRunName(new Date()));
  }

  /** Starts the worker on `config` from `start` (and `resume`, a saved state): start() and continueFrom(). */
  protected async begin(
    config: RunConfig,
    start: CheckpointChoice,
    records: StepRecord[],
    resume: TrainState | undefined,
    runName: string,
  ): Promise<void> {
    if (this.running) return;
    await this.#loop; // a stopped run's last step finishing
    const refusal = await this.data.refusal(config);
    if (refusal) {
      this.fail(new Error(refusal), "fix the data set, tick skip_invalid, or clear it to train on a task");
      return;
    }
    if (this.records.length > 0 && this.runConfig) {
      const c = this.runConfig;
      const weights = c.reward_funcs.map((f, i) => `${f} ${c.reward_weights[i] ?? 1}`).join(", ");
      const label = `run ${this.#runCount}: ${c.task}, ${weights}, ${this.records.length} steps`;
      this.pastRuns = [...this.pastRuns, { label, metrics: this.records.map((r) => r.metrics) }]
        .slice(-MAX_PAST_RUNS);
    }
    this.#runCount++;
    this.status = "starting";
    this.records = records;
    this.marks = [];
    this.errors = [];
    this.notes = [];
    this.info = null;
    this.changed();
    try {
      const checkpoint = start.files ?? await this.shippedFiles();
      this.connection ??= this.#connect();
      this.runConfig = config;
      this.runCheckpoint = start;
      this.runName = runName;
      const dataFiles = config.dataset ? this.data.files : undefined;
      this.info = await this.connection.api.init(config, pageAssets(), checkpoint, resume, dataFiles);
      this.notes = [this.info.backendNote, ...this.info.notes];
      this.status = "running";
      this.changed();
      this.#loop = this.#run();
    } catch (e) {
      this.fail(e, this.connection ? "check the settings, then Reset and Start" : "reload the page");
    }
  }

  #connect(): TrainerConnection {
    const connection = connectTrainer();
    connection.crashed.catch((e) => {
      if (this.connection === connection) {
        this.connection = null;
        this.fail(e, "press Reset, then Start; if it crashes again, choose backend wasm");
      }
    });
    return connection;
  }

  async #run(): Promise<void> {
    while (this.status === "running" || this.status === "pausing") {
      const connection = this.connection;
      if (!connection) return;
      const config = this.runConfig ?? this.config;
      if (this.records.length >= config.max_steps) {
        this.status = "done";
        await this.autosave(); // save_steps: "0 = only at the end", as deno task train
        break;
      }
      this.inFlight = this.records.length + 1;
      this.changed();
      const t0 = performance.now();
      try {
        const report = await connection.api.grpoStep();
        const seconds = (performance.now() - t0) / 1000;
        this.records = [...this.records, {
          metrics: { ...report.metrics, [STEP_TIME_KEY]: seconds },
          groups: report.groups,
          rewardWeights: report.rewardWeights,
        }];
        this.notes = [...this.notes, ...report.said];
        this.data.loadGroupImages(report.groups).catch((e) => this.fail(e, "reload the page"));
      } catch (e) {
        this.inFlight = 0;
        if (isDeviceLoss(e)) {
          this.fail(e, DEVICE_LOST_ACTION, this.deviceLostOffer());
        } else {
          this.fail(e, "press Reset, then Start (backend wasm if this repeats)");
        }
        return;
      }
      this.inFlight = 0;
      const step = this.records.length;
      if (config.save_steps > 0 && step % config.save_steps === 0 && step < config.max_steps) {
        await this.autosave();
      }
      if (this.status === "pausing") this.status = "paused";
      this.changed();
    }
    this.changed();
  }

  /**
   * For tests and to try the recovery: destroys the trainer's GPU device (a real loss, see
   * TrainerApi.debugLoseDevice); the step in flight, or the next one, then fails as on a driver reset.
   */
  async debugLoseDevice(): Promise<string> {
    if (!this.connection || !this.info) throw new Error("debugLoseDevice(): start a run on webgpu first");
    return await this.connection.api.debugLoseDevice();
  }

  pause(): void {
    if (this.status === "running") {
      this.status = this.inFlight > 0 ? "pausing" : "paused";
      this.changed();
    }
  }

  resume(): void {
    if (this.status === "paused" || this.status === "pausing") {
      const wasPaused = this.status === "paused";
      this.status = "running";
      this.changed();
      if (wasPaused) this.#loop = this.#run();
    }
  }

  /** Ends the run after the step in flight; its charts and groups stay until Start or Reset. */
  stop(): void {
    if (this.running || this.status === "paused") {
      this.status = "stopped";
      this.changed();
    }
  }

  /** Ends the worker and clears the run. */
  reset(): void {
    this.connection?.close();
    this.connection = null;
    this.#loop = null;
    this.status = "idle";
    this.info = null;
    this.inFlight = 0;
    this.records = [];
    this.marks = [];
    this.errors = [];
    this.notes = [];
    this.changed();
  }

  /** Overlays past run `i` on the charts; -1 removes the overlay. */
  compareWith(i: number): void {
    this.compare = this.pastRuns[i] ?? null;
    this.changed();
  }

  /** Overlays a metrics.jsonl (this lab's export or `deno task train`'s) on the charts. */
  compareWithFile(text: string, name: string): void {
    try {
      this.compare = { label: name, metrics: parseMetricsJsonl(text, name) };
    } catch (e) {
      this.fail(e, "choose a metrics.jsonl written by the lab or by `deno task train`");
    }
    this.changed();
  }
}
