/**
 * Checkpoints kept in the Origin Private File System, so that they survive a reload: one slot per run
 * under grpo-lab/, each save a folder of its step holding the trainer state (policy, AdamW moments,
 * progress), the starting checkpoint (the KL reference on resume) and the metrics so far (the charts).
 *
 *   grpo-lab/<run>/step-<N>/config.json, model.safetensors   the policy
 *                           optimizer.safetensors            AdamW's moments
 *                           start.json [+ start.config.json, start.safetensors]  the starting checkpoint:
 *                                                            "shipped", or the file it was
 *                           metrics.jsonl                    the steps so far
 *                           progress.json                    written last: a save without it is unfinished
 *
 * A new save is written beside the last one and only then replaces it, so a tab closed while saving
 * leaves the previous save whole.
 */
import type { Metrics } from "../../core/grpo/step_metrics.ts";
import type { CheckpointFiles, TrainState } from "../../core/train/train_state.ts";
import { metricsJsonl } from "./metrics_export.ts";

export interface SavedRun {
  state: TrainState;
  /** The starting checkpoint: its name, and its files unless it is the shipped one. */
  start: { name: string; files?: CheckpointFiles };
  metrics: Metrics[];
}

export interface SavedRunInfo {
  name: string;
  step: number;
}

const ROOT = "grpo-lab";

async function rootDir(): Promise<FileSystemDirectoryHandle> {
  if (!navigator.storage?.getDirectory) {
    throw new Error("this browser has no Origin Private File System: download the checkpoint instead");
  }
  return await (await navigator.storage.getDirectory()).getDirectoryHandle(ROOT, { create: true });
}

async function write(dir: FileSystemDirectoryHandle, name: string, data: string | Uint8Array): Promise<void> {
  const file = await dir.getFileHandle(name, { create: true });
  const writable = await file.createWritable();
  await writable.write(typeof data === "string" ? data : new Blob([data as Uint8Array<ArrayBuffer>]));
  await writable.close();
}

async function read(dir: FileSystemDirectoryHandle, name: string): Promise<File> {
  try {
    return await (await dir.getFileHandle(name)).getFile();
  } catch {
    throw new Error(`saved checkpoint folder ${dir.name}: ${name} is missing`);
  }
}

const bytes = async (f: File) => new Uint8Array(await f.arrayBuffer());

/** The save slot of a run started at `date`: run-<time>. */
export function savedRunName(date: Date): string {
  return `run-${date.toISOString().replace(/[:.]/g, "-")}`;
}

/** The finished saves of a slot, by step, newest first. */
async function finishedSaves(
  slot: FileSystemDirectoryHandle,
): Promise<{ step: number; dir: FileSystemDirectoryHandle }[]> {
  const out: { step: number; dir: FileSystemDirectoryHandle }[] = [];
  for await (const [name, handle] of slot.entries()) {
    const m = /^step-(\d+)$/.exec(name);
    if (!m || handle.kind !== "directory") continue;
    try {
      await (handle as FileSystemDirectoryHandle).getFileHandle("progress.json");
      out.push({ step: Number(m[1]), dir: handle as FileSystemDirectoryHandle });
    } catch {
      continue; // unfinished: no progress.json yet
    }
  }
  return out.sort((a, b) => b.step - a.step);
}

/** Saves a run in slot `name`; once the save is whole, the slot's other saves are removed. */
export async function saveRun(name: string, run: SavedRun): Promise<void> {
  const slot = await (await rootDir()).getDirectoryHandle(name, { create: true });
  const step = (JSON.parse(run.state.progressJson) as { step: number }).step;
  const folder = `step-${step}`;
  await slot.removeEntry(folder, { recursive: true }).catch(() => {}); // absent: nothing to replace
  const dir = await slot.getDirectoryHandle(folder, { create: true });
  await write(dir, "config.json", run.state.model.configJson);
  await write(dir, "model.safetensors", run.state.model.safetensors);
  await write(dir, "optimizer.safetensors", run.state.optimizer);
  await write(dir, "metrics.jsonl", metricsJsonl(run.metrics));
  await write(dir, "start.json", JSON.stringify({ name: run.start.name }));
  if (run.start.files) {
    await write(dir, "start.config.json", run.start.files.configJson);
    await write(dir, "start.safetensors", run.start.files.safetensors);
  }
  await write(dir, "progress.json", run.state.progressJson);
  const older: string[] = [];
  for await (const other of slot.keys()) if (other !== folder) older.push(other);
  for (const other of older) await slot.removeEntry(other, { recursive: true });
}

/** One entry per slot with a finished save (its newest), newest step first. */
export async function listRuns(): Promise<SavedRunInfo[]> {
  const root = await rootDir();
  const out: SavedRunInfo[] = [];
  for await (const [name, handle] of root.entries()) {
    if (handle.kind !== "directory") continue;
    const [newest] = await finishedSaves(handle as FileSystemDirectoryHandle);
    if (newest) out.push({ name, step: newest.step });
  }
  return out.sort((a, b) => b.step - a.step || b.name.localeCompare(a.name));
}

/** The newest finished save of slot `name`. */
export async function loadRun(name: string): Promise<SavedRun> {
  const slot = await (await rootDir()).getDirectoryHandle(name).catch(() => {
    throw new Error(`saved checkpoint ${name} does not exist`);
  });
  const [newest] = await finishedSaves(slot);
  if (!newest) throw new Error(`saved checkpoint ${name} has no finished save`);
  const dir = newest.dir;
  const start = JSON.parse(await (await read(dir, "start.json")).text()) as { name: string };
  const metricsText = await (await read(dir, "metrics.jsonl")).text();
  const metrics = metricsText.split("\n").filter((l) => l.trim() !== "").map((l, i) => {
    try {
      return JSON.parse(l, (_, v) => (v === null ? NaN : v)) as Metrics;
    } catch {
      throw new Error(`saved checkpoint ${name}: metrics.jsonl line ${i + 1} is not JSON`);
    }
  });
  return {
    state: {
      model: {
        configJson: await (await read(dir, "config.json")).text(),
        safetensors: await bytes(await read(dir, "model.safetensors")),
      },
      optimizer: await bytes(await read(dir, "optimizer.safetensors")),
      progressJson: await (await read(dir, "progress.json")).text(),
    },
    start: start.name === "shipped" ? { name: "shipped" } : {
      name: start.name,
      files: {
        configJson: await (await read(dir, "start.config.json")).text(),
        safetensors: await bytes(await read(dir, "start.safetensors")),
      },
    },
    metrics,
  };
}

export async function deleteRun(name: string): Promise<void> {
  await (await rootDir()).removeEntry(name, { recursive: true });
}
