/**
 * The lab's state and its one writer: settings (resolved into a RunConfig exactly as `deno task train`
 * resolves them), the starting checkpoint, the run's status, every step's report, the reward-weight
 * changes, and the errors to show. Elements read it through LabController and call its methods; the
 * trainer itself runs in the worker (trainer_connection.ts). Every change dispatches "change".
 */
import type { RunConfig } from "../../core/config/fields.ts";
import { detectEnv, type Env } from "../../core/env.ts";
import { readSafetensors } from "../../models/safetensors.ts";
import type {
  CheckpointFiles,
  GroupLog,
  InitInfo,
  Metrics,
  TrainProgress,
  TrainState,
} from "../../workers/api.ts";
import { exportConfig, readConfigText, resolveConfig, SHIPPED_CHECKPOINT } from "./config_io.ts";
import { parseMetricsJsonl } from "./metrics_export.ts";
import { type ComparedRun, STEP_TIME_KEY } from "./metrics_series.ts";
import { deleteRun, listRuns, loadRun, type SavedRunInfo, savedRunName, saveRun } from "./saved_runs.ts";
import { connectTrainer, pageAssets, type TrainerConnection } from "./trainer_connection.ts";
import { LabData } from "./lab_data.ts";
import { loadRewardSet } from "../../core/rewards/reward_set.ts";
import { customRewardName, customRewardSettings } from "./custom_rewards.ts";

export type RunStatus =
  | "loading"
  | "idle"
  | "starting"
  | "running"
  | "pausing"
  | "paused"
  | "stopped"
  | "done"
  | "error";

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

/** An error as the page shows it: what happened and what to do. */
export interface LabError {
  message: string;
  action: string;
  /** A way on offered with the error (after a lost GPU device: continue on wasm). */
  offer?: { label: string; run: () => Promise<void> };
}

export interface CheckpointChoice {
  /** "shipped" or the file's name. */
  name: string;
  files?: CheckpointFiles;
}

const SHIPPED_DIR = "checkpoints/tiny-sft/";

/** What the page says to do after the trainer's GPU device was lost. */
export const DEVICE_LOST_ACTION = "continue on wasm (CPU) from the last checkpoint saved in this browser " +
  "with the button; or press Reset, then Start, to try the GPU again in a new worker";

/** Whether an error is the loss of the trainer's GPU device (core/device_loss.ts says so by name). */
function isDeviceLoss(e: unknown): boolean {
  return /device.*lost|lost.*device/i.test(String(e));
}
const MAX_PAST_RUNS = 5;

export class LabStore extends EventTarget {
  status: RunStatus = "loading";
  env: Readonly<Env> | null = null;
  info: InitInfo | null = null;
  /** public/configs/default.json's values: the base every setting is layered on. */
  defaults: Record<string, unknown> = {};
  /** The page's settings over the defaults (what the form and an imported file set). */
  settings: Record<string, unknown> = {};
  config!: RunConfig;
  /** The settings the current (or last) run started with. */
  runConfig: RunConfig | null = null;
  checkpoint: CheckpointChoice = { name: "shipped" };
  /** The starting checkpoint of the current (or last) run: the KL reference, also after a resume. */
  runCheckpoint: CheckpointChoice | null = null;
  /** Earlier runs of this page (newest last, at most MAX_PAST_RUNS), to compare against. */
  pastRuns: ComparedRun[] = [];
  /** The run overlaid on the charts, or null. */
  compare: ComparedRun | null = null;
  /** The current run's save slot in the Origin Private File System (each save replaces the last). */
  runName = "";
  /** True while a save is being written. */
  saving = false;
  /** Checkpoints saved in the Origin Private File System. */
  saved: SavedRunInfo[] = [];
  records: StepRecord[] = [];
  marks: WeightMark[] = [];
  errors: LabError[] = [];
  /** Lines the worker said once (backend choice, notes, reward notes). */
  notes: string[] = [];
  /** The step being computed (1-based), 0 when none. */
  inFlight = 0;
  /** The data set picked in the page and its check (lab_data.ts). */
  readonly data: LabData = new LabData({
    config: () => this.config,
    applySettings: (patch, source) => this.applySettings(patch, source),
    vocabIds: async () => {
      const files = this.checkpoint.files ?? await this.#shippedFiles();
      return (JSON.parse(files.configJson) as { vocab_ids?: number[] }).vocab_ids;
    },
    publicBase: () => pageAssets().publicBase,
    checkpointName: () => this.checkpoint.name,
  }, () => this.#changed());
  #connection: TrainerConnection | null = null;
  /** Custom reward modules added in the page: blob: URL -> the file's name. */
  readonly #customFiles = new Map<string, string>();
  #shipped: CheckpointFiles | null = null;
  #loop: Promise<void> | null = null;
  #runCount = 0;

  #changed(): void {
    this.dispatchEvent(new Event("change"));
  }

  /** Reads the default run and detects the WebGPU adapter (on the page's thread, as the worker will). */
  async load(baseUri = document.baseURI): Promise<void> {
    try {
      const url = new URL("configs/default.json", baseUri);
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
      this.defaults = readConfigText(await response.text(), "configs/default.json");
      this.config = resolveConfig(this.defaults);
      this.env = await detectEnv();
      this.status = "idle";
      await this.refreshSaved();
    } catch (e) {
      this.#fail(e, "reload the page; if it persists, rebuild with `npm start`");
    }
    this.#changed();
  }

  /** The weights in force: the latest report's, else the settings'. */
  get weights(): number[] {
    return this.config.reward_weights.length > 0
      ? [...this.config.reward_weights]
      : this.config.reward_funcs.map(() => 1);
  }

  get running(): boolean {
    return this.status === "running" || this.status === "pausing" || this.status === "starting";
  }

  /** Applies settings over the current ones; a bad one is shown and leaves the settings as they were. */
  applySettings(patch: Record<string, unknown>, source = "page settings"): boolean {
    const next = { ...this.settings, ...patch };
    try {
      this.config = resolveConfig(this.defaults, { source, values: next });
      this.settings = next;
      this.#changed();
      return true;
    } catch (e) {
      this.#fail(e, "fix that setting; the run keeps its previous settings");
      return false;
    }
  }

  /** Replaces the settings with a config file's (the JSON `deno task train --config` reads). */
  importConfig(text: string, source: string): boolean {
    try {
      const values = readConfigText(text, source);
      this.config = resolveConfig(this.defaults, { source, values });
      this.settings = values;
      this.#changed();
      return true;
    } catch (e) {
      this.#fail(e, "fix the file and import it again; the settings were not changed");
      return false;
    }
  }

  exportConfig(): string {
    const checkpoint = this.checkpoint.files ? this.checkpoint.name : SHIPPED_CHECKPOINT;
    // A blob: URL lives only in this page: the file's name is what `deno task train` can load.
    const custom = Object.entries(this.config.custom_rewards as Record<string, string>)
      .map(([name, url]) => [name, this.#customFiles.get(url) ?? url]);
    return exportConfig({ ...this.config, checkpoint, custom_rewards: Object.fromEntries(custom) });
  }

  /** Turns one reward function on or off (its weight 1 when added). */
  toggleReward(name: string, on: boolean): void {
    const funcs = [...this.config.reward_funcs], weights = this.weights;
    const i = funcs.indexOf(name);
    if (on && i < 0) {
      funcs.push(name);
      weights.push(1);
    } else if (!on && i >= 0) {
      funcs.splice(i, 1);
      weights.splice(i, 1);
    }
    this.applySettings({ reward_funcs: funcs, reward_weights: weights });
  }

  /**
   * A custom reward from a .js module on disk: loaded here first (so that a module without a default
   * function is an error now, not at Start), then added as custom_rewards.NAME = a blob: URL.
   */
  async addCustomReward(file: File): Promise<boolean> {
    try {
      const name = customRewardName(file.name);
      const url = URL.createObjectURL(new Blob([await file.text()], { type: "text/javascript" }));
      try {
        await loadRewardSet(
          { reward_funcs: [name], reward_options: {}, custom_rewards: { [name]: url } },
          new URL(document.baseURI),
        );
      } catch (e) {
        URL.revokeObjectURL(url);
        throw new Error(`${file.name}: ${e instanceof Error ? e.message : e}`);
      }
      const old = (this.config.custom_rewards as Record<string, string>)[name];
      if (!this.applySettings(customRewardSettings(this.config, name, url), file.name)) return false;
      this.#customFiles.set(url, file.name);
      if (old?.startsWith("blob:") && old !== url) {
        URL.revokeObjectURL(old);
        this.#customFiles.delete(old);
      }
      return true;
    } catch (e) {
      this.#fail(e, "choose a .js module whose default export is (completion, sample) => number | null");
      return false;
    }
  }

  /** Sets reward i's weight; mid-run the worker uses it from the step after the one in flight. */
  async setWeight(i: number, weight: number): Promise<void> {
    const weights = this.weights;
    weights[i] = weight;
    await this.setWeights(weights);
  }

  async setWeights(weights: number[]): Promise<void> {
    if (!this.applySettings({ reward_weights: weights })) return;
    if (this.#connection && this.info && this.status !== "stopped" && this.status !== "done") {
      const step = this.inFlight > 0 ? this.inFlight + 1 : this.records.length + 1;
      this.marks = [...this.marks.filter((m) => m.step !== step), { step, weights: [...weights] }];
      try {
        await this.#connection.api.setRewardWeights(weights);
      } catch (e) {
        this.#fail(e, "reset and start again");
      }
      this.#changed();
    }
  }

  /** A .safetensors file from disk as the starting policy (with the shipped model's config.json). */
  async useCheckpointFile(file: File): Promise<boolean> {
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      try {
        readSafetensors(bytes);
      } catch (e) {
        throw new Error(`${file.name}: not a safetensors file (${e instanceof Error ? e.message : e})`);
      }
      const shipped = await this.#shippedFiles();
      this.checkpoint = { name: file.name, files: { configJson: shipped.configJson, safetensors: bytes } };
      this.#changed();
      return true;
    } catch (e) {
      this.#fail(e, "choose a .safetensors checkpoint saved by the lab or by `deno task sft`/`train`");
      return false;
    }
  }

  useShippedCheckpoint(): void {
    this.checkpoint = { name: "shipped" };
    this.#changed();
  }

  async #shippedFiles(): Promise<CheckpointFiles> {
    if (this.#shipped) return this.#shipped;
    const get = async (name: string) => {
      const url = new URL(SHIPPED_DIR + name, document.baseURI);
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
      return response;
    };
    const configJson = await (await get("config.json")).text();
    const safetensors = new Uint8Array(await (await get("model.safetensors")).arrayBuffer());
    this.#shipped = { configJson, safetensors };
    return this.#shipped;
  }

  /** Starts a new run with the current settings (a fresh worker state; the charts start over). */
  async start(): Promise<void> {
    await this.#begin(this.config, this.checkpoint, [], undefined, savedRunName(new Date()));
  }

  /**
   * Continues a run saved in the browser (OPFS) exactly: its settings, starting checkpoint, trainer state
   * and charts; max_steps is the larger of the saved one and the form's.
   */
  async continueFrom(name: string, overrides: Partial<RunConfig> = {}): Promise<void> {
    if (this.running || this.status === "paused") {
      this.#fail(new Error("a run is going"), "stop it first, then continue the saved one");
      return;
    }
    try {
      const run = await loadRun(name);
      const progress = JSON.parse(run.state.progressJson) as TrainProgress;
      // The saved settings, except that max_steps may be raised in the form before pressing Continue.
      const config = {
        ...progress.config,
        max_steps: Math.max(progress.config.max_steps, this.config.max_steps),
        ...overrides,
      };
      this.settings = { ...config };
      this.config = config;
      this.checkpoint = run.start;
      const records = run.metrics.map((metrics) => ({ metrics, groups: [], rewardWeights: [] }));
      await this.#begin(config, run.start, records, run.state, name);
    } catch (e) {
      this.#fail(e, "start a new run, or continue another saved checkpoint");
    }
  }

  async #begin(
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
      this.#fail(new Error(refusal), "fix the data set, tick skip_invalid, or clear it to train on a task");
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
    this.#changed();
    try {
      const checkpoint = start.files ?? await this.#shippedFiles();
      this.#connection ??= this.#connect();
      this.runConfig = config;
      this.runCheckpoint = start;
      this.runName = runName;
      const dataFiles = config.dataset ? this.data.files : undefined;
      this.info = await this.#connection.api.init(config, pageAssets(), checkpoint, resume, dataFiles);
      this.notes = [this.info.backendNote, ...this.info.notes];
      this.status = "running";
      this.#changed();
      this.#loop = this.#run();
    } catch (e) {
      this.#fail(e, this.#connection ? "check the settings, then Reset and Start" : "reload the page");
    }
  }

  /** Whether the trainer holds a run whose state can be saved now (no step in flight). */
  get canSave(): boolean {
    return this.#connection !== null && this.info !== null && this.inFlight === 0 && !this.saving &&
      (this.status === "paused" || this.status === "stopped" || this.status === "done");
  }

  /** Saves the run's state in the browser (OPFS); it survives a reload and shows in the saved list. */
  async saveCheckpoint(): Promise<string | null> {
    return this.canSave ? await this.#save() : null;
  }

  async #save(): Promise<string | null> {
    if (!this.#connection) return null;
    this.saving = true;
    this.#changed();
    try {
      const state = await this.#connection.api.saveTrainState();
      const step = (JSON.parse(state.progressJson) as TrainProgress).step;
      const name = this.runName;
      await saveRun(name, {
        state,
        start: this.runCheckpoint ?? { name: "shipped" },
        metrics: this.records.map((r) => r.metrics),
      });
      this.notes = [...this.notes, `saved ${name} at step ${step} in this browser`];
      await this.refreshSaved();
      return name;
    } catch (e) {
      if (isDeviceLoss(e)) this.#fail(e, DEVICE_LOST_ACTION, this.#wasmOffer());
      else this.#fail(e, "download the checkpoint instead (the browser's storage may be full or off)");
      return null;
    } finally {
      this.saving = false;
      this.#changed();
    }
  }

  /** The policy as files (config.json + model.safetensors), for a download. */
  async policyFiles(): Promise<CheckpointFiles | null> {
    if (!this.canSave || !this.#connection) return null;
    try {
      return await this.#connection.api.saveCheckpoint();
    } catch (e) {
      this.#fail(e, "press Reset, then Start");
      return null;
    }
  }

  async refreshSaved(): Promise<void> {
    try {
      this.saved = await listRuns();
    } catch (e) {
      this.saved = [];
      this.notes = [...this.notes, `no saved checkpoints: ${e instanceof Error ? e.message : e}`];
    }
    this.#changed();
  }

  async deleteSaved(name: string): Promise<void> {
    try {
      await deleteRun(name);
    } catch (e) {
      this.#fail(e, "reload the page");
    }
    await this.refreshSaved();
  }

  #connect(): TrainerConnection {
    const connection = connectTrainer();
    connection.crashed.catch((e) => {
      if (this.#connection === connection) {
        this.#connection = null;
        this.#fail(e, "press Reset, then Start; if it crashes again, choose backend wasm");
      }
    });
    return connection;
  }

  async #run(): Promise<void> {
    while (this.status === "running" || this.status === "pausing") {
      const connection = this.#connection;
      if (!connection) return;
      const config = this.runConfig ?? this.config;
      if (this.records.length >= config.max_steps) {
        this.status = "done";
        await this.#autosave(); // save_steps: "0 = only at the end", as deno task train
        break;
      }
      this.inFlight = this.records.length + 1;
      this.#changed();
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
        this.data.loadGroupImages(report.groups).catch((e) => this.#fail(e, "reload the page"));
      } catch (e) {
        this.inFlight = 0;
        if (isDeviceLoss(e)) {
          this.#fail(e, DEVICE_LOST_ACTION, this.#wasmOffer());
        } else {
          this.#fail(e, "press Reset, then Start (backend wasm if this repeats)");
        }
        return;
      }
      this.inFlight = 0;
      const step = this.records.length;
      if (config.save_steps > 0 && step % config.save_steps === 0 && step < config.max_steps) {
        await this.#autosave();
      }
      if (this.status === "pausing") this.status = "paused";
      this.#changed();
    }
    this.#changed();
  }

  /** Saves the run's state into its slot between steps (save_steps and the end), as deno task train does. */
  async #autosave(): Promise<void> {
    await this.#save(); // between steps: nothing is in flight
  }

  /** After a lost GPU device: the same run on wasm, from its last save when there is one. */
  #wasmOffer(): LabError["offer"] {
    const save = this.saved.find((r) => r.name === this.runName);
    return {
      label: save ? `Continue on wasm from step ${save.step}` : "Start again on wasm",
      run: async () => {
        this.reset();
        if (save) await this.continueFrom(save.name, { backend: "wasm" });
        else if (this.applySettings({ backend: "wasm" })) await this.start();
      },
    };
  }

  /**
   * For tests and to try the recovery: destroys the trainer's GPU device (a real loss, see
   * TrainerApi.debugLoseDevice); the step in flight, or the next one, then fails as on a driver reset.
   */
  async debugLoseDevice(): Promise<string> {
    if (!this.#connection || !this.info) throw new Error("debugLoseDevice(): start a run on webgpu first");
    return await this.#connection.api.debugLoseDevice();
  }

  pause(): void {
    if (this.status === "running") {
      this.status = this.inFlight > 0 ? "pausing" : "paused";
      this.#changed();
    }
  }

  resume(): void {
    if (this.status === "paused" || this.status === "pausing") {
      const wasPaused = this.status === "paused";
      this.status = "running";
      this.#changed();
      if (wasPaused) this.#loop = this.#run();
    }
  }

  /** Ends the run after the step in flight; its charts and groups stay until Start or Reset. */
  stop(): void {
    if (this.running || this.status === "paused") {
      this.status = "stopped";
      this.#changed();
    }
  }

  /** Ends the worker and clears the run. */
  reset(): void {
    this.#connection?.close();
    this.#connection = null;
    this.#loop = null;
    this.status = "idle";
    this.info = null;
    this.inFlight = 0;
    this.records = [];
    this.marks = [];
    this.errors = [];
    this.notes = [];
    this.#changed();
  }

  /** Overlays past run `i` on the charts; -1 removes the overlay. */
  compareWith(i: number): void {
    this.compare = this.pastRuns[i] ?? null;
    this.#changed();
  }

  /** Overlays a metrics.jsonl (this lab's export or `deno task train`'s) on the charts. */
  compareWithFile(text: string, name: string): void {
    try {
      this.compare = { label: name, metrics: parseMetricsJsonl(text, name) };
    } catch (e) {
      this.#fail(e, "choose a metrics.jsonl written by the lab or by `deno task train`");
    }
    this.#changed();
  }

  dismissError(i: number): void {
    this.errors = this.errors.filter((_, j) => j !== i);
    this.#changed();
  }

  /** Records an error for the page (and the console); a failure during a run ends it. */
  #fail(e: unknown, action: string, offer?: LabError["offer"]): void {
    const message = e instanceof Error ? e.message : String(e);
    // A worker crash reaches here twice (its error event, and the call it broke): say it once.
    if (!this.errors.some((x) => x.message === message)) {
      console.error(`grpo-lab: ${message}`);
      this.errors = [...this.errors, { message, action, ...(offer ? { offer } : {}) }];
    }
    if (this.running || this.status === "loading") this.status = "error";
    this.#changed();
  }
}
