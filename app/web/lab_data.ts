/**
 * The lab's own data set: the files picked in the page (a .jsonl or .parquet file, and an images
 * folder), their check (the code of `deno task data check`, run in the page before Start), the files
 * the trainer worker reads (blobFiles there too), and the images of a data-set run's logged groups.
 * LabStore owns one; every change calls `changed`.
 */
import type { RunConfig } from "../../core/config/fields.ts";
import type { RgbImage } from "../../core/data/sample.ts";
import type { DataSource } from "../../core/data/datasets/source.ts";
import type { GroupLog } from "../../core/grpo/step_metrics.ts";
import type { CheckedDataset } from "./data_check.ts";

/** What the page shows about the picked data set. */
export type DataCheck =
  | { state: "none" }
  | { state: "checking"; done: number; total: number }
  | { state: "checked"; checked: CheckedDataset }
  | { state: "failed"; message: string };

/** What LabData needs from the store: the settings, a way to change them, the model's token ids. */
export interface DataHost {
  config(): RunConfig;
  applySettings(patch: Record<string, unknown>, source?: string): boolean;
  vocabIds(): Promise<number[] | undefined>;
  /** The starting checkpoint's name: its vocabulary is what the check holds the text against. */
  checkpointName(): string;
  publicBase(): string;
}

export class LabData {
  /** The data file (config.dataset is its name), or null. */
  file: File | null = null;
  /** The picked images folder's name and files (keyed "folder/a.png"), or "" and none. */
  folder = "";
  images: File[] = [];
  check: DataCheck = { state: "none" };
  /** Decoded images of the current run's groups, by groupKey(); a string says why there is none. */
  groupImages = new Map<string, RgbImage | string>();
  /** The check's settings, to tell whether a setting changed since (then Start checks again). */
  #checkedKey = "";
  /** The source the current run trains on (its groups' images are read from it). */
  #runSource: DataSource | null = null;
  #checking: Promise<void> | null = null;

  constructor(readonly host: DataHost, readonly changed: () => void) {}

  /** The files the trainer worker reads, by the paths the data set names them with. */
  get files(): Map<string, Blob> {
    const files = new Map<string, Blob>(this.images.map((f) => [f.webkitRelativePath || f.name, f]));
    if (this.file) files.set(this.file.name, this.file);
    return files;
  }

  /** A .jsonl or .parquet file: it becomes config.dataset and is checked. */
  async pickFile(file: File): Promise<void> {
    this.file = file;
    if (!this.host.applySettings({ dataset: file.name, ...this.#folders() }, "the data set picker")) return;
    await this.recheck();
  }

  /** An images folder (<input webkitdirectory>): image paths resolve in it, then beside the data file. */
  async pickFolder(files: File[]): Promise<void> {
    this.images = files;
    this.folder = files[0]?.webkitRelativePath.split("/")[0] ?? "";
    if (!this.host.applySettings(this.#folders(), "the data set picker")) return;
    if (this.file) await this.recheck();
    else this.changed();
  }

  #folders(): { image_folders: string[] } {
    return { image_folders: this.folder ? [this.folder, "."] : [] };
  }

  /** Back to the synthetic task. */
  clear(): void {
    this.file = null;
    this.folder = "";
    this.images = [];
    this.check = { state: "none" };
    this.#checkedKey = "";
    this.host.applySettings({ dataset: "", image_folders: [], skip_invalid: false }, "the data set picker");
  }

  #key(): string {
    const c = this.host.config();
    return JSON.stringify([
      c.dataset,
      c.image_folders,
      c.image_size,
      c.max_prompt_length,
      c.max_completion_length,
      this.file?.lastModified,
      this.images.length,
      this.host.checkpointName(),
    ]);
  }

  /** Checks the picked data set with the current settings; the result is in `check`. */
  recheck(): Promise<void> {
    this.#checking = this.#run();
    return this.#checking;
  }

  async #run(): Promise<void> {
    const key = this.#key();
    this.check = { state: "checking", done: 0, total: 0 };
    this.changed();
    try {
      const { checkPickedDataset } = await import("./data_check.ts");
      const checked = await checkPickedDataset(
        this.host.config(),
        this.files,
        this.host.publicBase(),
        await this.host.vocabIds(),
        (done, total) => {
          this.check = { state: "checking", done, total };
          if (done % 50 === 0 || done === total) this.changed();
        },
      );
      this.check = { state: "checked", checked };
      this.#checkedKey = key;
    } catch (e) {
      this.check = { state: "failed", message: e instanceof Error ? e.message : String(e) };
      this.#checkedKey = "";
    }
    this.changed();
  }

  /**
   * Before Start: null when the run may start on config's data set (checked again if a setting changed
   * since), else why not. The worker checks the same way and would refuse too; this says it first.
   */
  async refusal(config: RunConfig): Promise<string | null> {
    this.#runSource = null;
    this.groupImages = new Map();
    if (!config.dataset) return null;
    if (!this.file || this.file.name !== config.dataset) {
      return `dataset=${config.dataset}: a browser reads only files picked in the page; pick ` +
        `${config.dataset} (and its images folder) under "Data set"`;
    }
    await this.#checking;
    if (this.#checkedKey !== this.#key()) await this.recheck();
    if (this.check.state === "failed") return this.check.message;
    if (this.check.state !== "checked") return "the data set is not checked yet";
    const { refusalOf } = await import("./data_check.ts");
    const refusal = refusalOf(this.check.checked.report, config);
    if (refusal === null) this.#runSource = this.check.checked.source;
    return refusal;
  }

  /** Decodes the images of a step's groups (data-set runs only) for the group browser. */
  async loadGroupImages(groups: readonly GroupLog[]): Promise<void> {
    const source = this.#runSource;
    if (!source) return;
    const { groupImage } = await import("./data_check.ts");
    for (const g of groups) {
      const key = groupKey(g);
      if (this.groupImages.has(key)) continue;
      try {
        this.groupImages.set(key, await groupImage(source, g.prompt_id, g.prompt) ?? "no record has this id");
      } catch (e) {
        this.groupImages.set(key, `the image cannot be shown: ${e instanceof Error ? e.message : e}`);
      }
    }
    this.changed();
  }
}

/** A logged group's key in LabData.groupImages. */
export function groupKey(g: GroupLog): string {
  return `${g.prompt_id}\n${g.prompt}`;
}
