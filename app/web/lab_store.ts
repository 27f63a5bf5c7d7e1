/**
 * The lab's state and its one writer, in three layers: LabSettings (lab_settings.ts: settings, rewards,
 * weights, the starting checkpoint, errors), LabRun (lab_run.ts: the run's lifecycle over the trainer
 * worker) and, here, the runs saved in the browser (OPFS, saved_runs.ts): save, list, delete, continue,
 * and the offer after a lost GPU device. Elements read it through LabController and call its methods.
 * Every change dispatches "change".
 */
import type { RunConfig } from "../../core/config/fields.ts";
import { detectEnv } from "../../core/env.ts";
import type { CheckpointFiles, TrainProgress } from "../../core/train/train_state.ts";
import type { LabError } from "./lab_settings.ts";
import { DEVICE_LOST_ACTION, isDeviceLoss, LabRun } from "./lab_run.ts";
import { deleteRun, listRuns, loadRun, type SavedRunInfo, saveRun } from "./saved_runs.ts";

export type { CheckpointChoice, LabError, RunStatus } from "./lab_settings.ts";
export { DEVICE_LOST_ACTION, type StepRecord, type WeightMark } from "./lab_run.ts";

export class LabStore extends LabRun {
  /** True while a save is being written. */
  saving = false;
  /** Checkpoints saved in the Origin Private File System. */
  saved: SavedRunInfo[] = [];

  /** Reads the default run and detects the WebGPU adapter (on the page's thread, as the worker will). */
  async load(baseUri = document.baseURI): Promise<void> {
    try {
      await this.loadDefaults(baseUri);
      this.env = await detectEnv();
      this.status = "idle";
      await this.refreshSaved();
    } catch (e) {
      this.fail(e, "reload the page; if it persists, rebuild with `npm start`");
    }
    this.changed();
  }

  /**
   * Continues a run saved in the browser (OPFS) exactly: its settings, starting checkpoint, trainer state
   * and charts; max_steps is the larger of the saved one and the form's.
   */
  async continueFrom(name: string, overrides: Partial<RunConfig> = {}): Promise<void> {
    if (this.running || this.status === "paused") {
      this.fail(new Error("a run is going"), "stop it first, then continue the saved one");
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
      await this.begin(config, run.start, records, run.state, name);
    } catch (e) {
      this.fail(e, "start a new run, or continue another saved checkpoint");
    }
  }

  /** Whether the trainer holds a run whose state can be saved now (no step in flight). */
  get canSave(): boolean {
    return this.connection !== null && this.info !== null && this.inFlight === 0 && !this.saving &&
      (this.status === "paused" || this.status === "stopped" || this.status === "done");
  }

  /** Saves the run's state in the browser (OPFS); it survives a reload and shows in the saved list. */
  async saveCheckpoint(): Promise<string | null> {
    return this.canSave ? await this.#save() : null;
  }

  async #save(): Promise<string | null> {
    if (!this.connection) return null;
    this.saving = true;
    this.changed();
    try {
      const state = await this.connection.api.saveTrainState();
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
      if (isDeviceLoss(e)) this.fail(e, DEVICE_LOST_ACTION, this.deviceLostOffer());
      else this.fail(e, "download the checkpoint instead (the browser's storage may be full or off)");
      return null;
    } finally {
      this.saving = false;
      this.changed();
    }
  }

  /** The policy as files (config.json + model.safetensors), for a download. */
  async policyFiles(): Promise<CheckpointFiles | null> {
    if (!this.canSave || !this.connection) return null;
    try {
      return await this.connection.api.saveCheckpoint();
    } catch (e) {
      this.fail(e, "press Reset, then Start");
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
    this.changed();
  }

  async deleteSaved(name: string): Promise<void> {
    try {
      await deleteRun(name);
    } catch (e) {
      this.fail(e, "reload the page");
    }
    await this.refreshSaved();
  }

  protected override async autosave(): Promise<void> {
    await this.#save(); // between steps: nothing is in flight
  }

  /** After a lost GPU device: the same run on wasm, from its last save when there is one. */
  protected override deviceLostOffer(): LabError["offer"] {
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
}
