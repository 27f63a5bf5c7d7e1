/**
 * The part of the lab's state that needs no trainer: the settings (resolved into a RunConfig exactly as
 * `deno task train` resolves them), the reward functions and weights, the starting checkpoint, and the
 * errors to show. LabRun (lab_run.ts) extends it with the run, and LabStore (lab_store.ts) with the runs
 * saved in the browser; the run's status lives here because a failure reported here ends a run. Every
 * change dispatches "change".
 */
import type { RunConfig } from "../../core/config/fields.ts";
import type { Env } from "../../core/env.ts";
import { closeRewards, loadRewardSet } from "../../core/rewards/reward_set.ts";
import { readSafetensors } from "../../models/safetensors.ts";
import type { CheckpointFiles } from "../../core/train/train_state.ts";
import { exportConfig, readConfigText, resolveConfig, SHIPPED_CHECKPOINT } from "./config_io.ts";
import { customRewardName, customRewardSettings } from "./custom_rewards.ts";
import { openCustomReward } from "../../workers/custom_reward.ts";

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

export class LabSettings extends EventTarget {
  status: RunStatus = "loading";
  env: Readonly<Env> | null = null;
  /** public/configs/default.json's values: the base every setting is layered on. */
  defaults: Record<string, unknown> = {};
  /** The page's settings over the defaults (what the form and an imported file set). */
  settings: Record<string, unknown> = {};
  config!: RunConfig;
  checkpoint: CheckpointChoice = { name: "shipped" };
  errors: LabError[] = [];
  /** Lines the worker said once (backend choice, notes, reward notes). */
  notes: string[] = [];
  /** Custom reward modules added in the page: blob: URL -> the file's name. */
  readonly #customFiles = new Map<string, string>();
  #shipped: CheckpointFiles | null = null;

  protected changed(): void {
    this.dispatchEvent(new Event("change"));
  }

  /** Reads public/configs/default.json (relative to `baseUri`): the settings' base. */
  protected async loadDefaults(baseUri: string): Promise<void> {
    const url = new URL("configs/default.json", baseUri);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url.pathname}: HTTP ${response.status}`);
    this.defaults = readConfigText(await response.text(), "configs/default.json");
    this.config = resolveConfig(this.defaults);
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
      this.changed();
      return true;
    } catch (e) {
      this.fail(e, "fix that setting; the run keeps its previous settings");
      return false;
    }
  }

  /** Replaces the settings with a config file's (the JSON `deno task train --config` reads). */
  importConfig(text: string, source: string): boolean {
    try {
      const values = readConfigText(text, source);
      this.config = resolveConfig(this.defaults, { source, values });
      this.settings = values;
      this.changed();
      return true;
    } catch (e) {
      this.fail(e, "fix the file and import it again; the settings were not changed");
      return false;
    }
  }

  exportConfig(): string {
    const checkpoint = this.checkpoint.files ? this.checkpoint.name : SHIPPED_CHECKPOINT;
    // A blob: URL lives only in this page: the file's name is what `deno task train` can load.
    const custom = Object.entries(this.config.custom_rewards as Record<string, string>)
      .map(([name, url]) => [name, this.#customFiles.get(url) ?? url]);
    return exportConfig({
      ...this.config,
      model_name_or_path: checkpoint,
      custom_rewards: Object.fromEntries(custom),
    });
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
        // Loaded in a worker of this page only to check it; the trainer loads it again for the run.
        await closeRewards(
          await loadRewardSet(
            { reward_funcs: [name], reward_options: {}, custom_rewards: { [name]: url } },
            new URL(document.baseURI),
            openCustomReward,
          ),
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
      this.fail(e, "choose a .js module whose default export is (completion, sample) => number | null");
      return false;
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
      const shipped = await this.shippedFiles();
      this.checkpoint = { name: file.name, files: { configJson: shipped.configJson, safetensors: bytes } };
      this.changed();
      return true;
    } catch (e) {
      this.fail(e, "choose a .safetensors checkpoint saved by the lab or by `deno task sft`/`train`");
      return false;
    }
  }

  useShippedCheckpoint(): void {
    this.checkpoint = { name: "shipped" };
    this.changed();
  }

  /** The shipped checkpoint's files, fetched once. */
  protected async shippedFiles(): Promise<CheckpointFiles> {
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

  dismissError(i: number): void {
    this.errors = this.errors.filter((_, j) => j !== i);
    this.changed();
  }

  /** Records an error for the page (and the console); a failure during a run ends it. */
  protected fail(e: unknown, action: string, offer?: LabError["offer"]): void {
    const message = e instanceof Error ? e.message : String(e);
    // A worker crash reaches here twice (its error event, and the call it broke): say it once.
    if (!this.errors.some((x) => x.message === message)) {
      console.error(`grpo-lab: ${message}`);
      this.errors = [...this.errors, { message, action, ...(offer ? { offer } : {}) }];
    }
    if (this.running || this.status === "loading") this.status = "error";
    this.changed();
  }
}
