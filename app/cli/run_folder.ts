/**
 * A GRPO run folder on disk: DIR/metrics.jsonl, DIR/samples.jsonl and DIR/checkpoint-N/ holding
 *   config.json + model.safetensors   the policy (a checkpoint eval and sft read too)
 *   optimizer.safetensors             AdamW's moments and step counts
 *   trainer_state.json                step (= data position), sampler state, reward weights
 *   run_config.json                   the resolved RunConfig, read back as a --config layer on resume
 * A checkpoint is written whole or not at all (out_folder.ts). Resuming checks the whole saved state
 * before any file is touched (planResume), and only then cuts the logs back to the checkpoint's step.
 */
import type { TrainProgress, TrainState } from "../../core/train/train_state.ts";
import { readSafetensors } from "../../models/safetensors.ts";
import { listFolder, messageOf, writeFolderAtomically, writeOutFile } from "./out_folder.ts";
import { readCheckpointFiles } from "./trainer_client.ts";

const CHECKPOINT_RE = /^checkpoint-(\d+)$/;
const LOGS = ["metrics.jsonl", "samples.jsonl"];

export async function writeTrainState(dir: string, step: number, state: TrainState): Promise<string> {
  const final = `${dir}/checkpoint-${step}`;
  const progress = JSON.parse(state.progressJson) as TrainProgress;
  await writeFolderAtomically(final, {
    "config.json": state.model.configJson,
    "model.safetensors": state.model.safetensors,
    "optimizer.safetensors": state.optimizer,
    "run_config.json": JSON.stringify(progress.config, null, 2) + "\n",
    "trainer_state.json": state.progressJson + "\n",
  });
  return final;
}

/**
 * save_total_limit: deletes all but the newest `limit` checkpoint-N/ of `dir` (0 keeps all). Only those
 * up to `step` count: on a resume from an earlier checkpoint, the abandoned run's later ones are not
 * "newer" than what this run just wrote (they are replaced when the run gets there).
 */
export async function pruneCheckpoints(dir: string, limit: number, step: number): Promise<string[]> {
  if (limit === 0) return [];
  const steps = (await listFolder(dir)).map((n) => CHECKPOINT_RE.exec(n)).filter((m) => m !== null)
    .map((m) => Number(m[1])).filter((n) => n <= step).sort((a, b) => b - a);
  const removed = steps.slice(limit).map((n) => `${dir}/checkpoint-${n}`);
  for (const path of removed) await Deno.remove(path, { recursive: true });
  return removed;
}

/** The checkpoint folder `path` names: itself when it holds trainer_state.json, else its latest checkpoint-N. */
export async function findResumeCheckpoint(path: string): Promise<string> {
  const dir = path.replace(/\/+$/, "");
  if (await exists(`${dir}/trainer_state.json`)) return dir;
  let best = -1;
  try {
    for await (const e of Deno.readDir(dir)) {
      const m = e.isDirectory ? CHECKPOINT_RE.exec(e.name) : null;
      if (m && Number(m[1]) > best && await exists(`${dir}/${e.name}/trainer_state.json`)) {
        best = Number(m[1]);
      }
    }
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`--resume ${path}: no such folder`);
    throw e;
  }
  if (best < 0) throw new Error(`--resume ${path}: no checkpoint-N/trainer_state.json in it`);
  return `${dir}/checkpoint-${best}`;
}

/** The run folder a checkpoint folder sits in (where its logs are). */
export function runFolderOf(checkpointDir: string): string {
  const cut = checkpointDir.lastIndexOf("/");
  return cut < 0 ? "." : checkpointDir.slice(0, cut) || "/";
}

export interface ResumePlan {
  checkpointDir: string;
  state: TrainState;
  progress: TrainProgress;
  /** Writes the logs, cut back to progress.step, into the run's --out; returns what to say. */
  apply(): Promise<string[]>;
}

/**
 * Reads and checks everything a resume from `path` into `out` needs, touching no file: the checkpoint's
 * files exist and parse, trainer_state.json's fields have their types and ranges and its step is the
 * folder's N, and both logs parse (a torn last line aside). `out` must be the checkpoint's own run
 * folder, or an empty one: the run then continues there, from a copy of the logs up to the step.
 */
export async function planResume(path: string, out: string): Promise<ResumePlan> {
  const checkpointDir = await findResumeCheckpoint(path);
  const runDir = runFolderOf(checkpointDir);
  const statePath = `${checkpointDir}/trainer_state.json`;
  const progressJson = await readFile(statePath, Deno.readTextFile);
  const n = CHECKPOINT_RE.exec(checkpointDir.slice(checkpointDir.lastIndexOf("/") + 1));
  const progress = checkTrainProgress(
    parseJson(progressJson, statePath),
    statePath,
    n ? Number(n[1]) : undefined,
  );
  parseJson(
    await readFile(`${checkpointDir}/run_config.json`, Deno.readTextFile),
    `${checkpointDir}/run_config.json`,
  );
  const model = await readCheckpointFiles(checkpointDir); // config.json and model.safetensors, checked
  const optimizerPath = `${checkpointDir}/optimizer.safetensors`;
  const optimizer = await readFile(optimizerPath, Deno.readFile);
  const savedAt = checkSafetensors(optimizer, optimizerPath).step;
  if (savedAt !== undefined && savedAt !== String(progress.step)) {
    throw new Error(
      `${optimizerPath} was saved at step ${savedAt}, but ${statePath} says step ${progress.step}`,
    );
  }

  const elsewhere = !(await samePath(runDir, out));
  if (elsewhere) {
    const there = await listFolder(out);
    if (there.length > 0) {
      throw new Error(
        `--resume ${path} continues the run in ${runDir}, but --out ${out} is another folder and not ` +
          `empty (${there.join(", ")}); not touching it. Leave out --out to continue in ${runDir}, or give ` +
          `an empty --out to continue a copy of the run there`,
      );
    }
  }
  const logs = await Promise.all(LOGS.map(async (name) => {
    const from = `${runDir}/${name}`;
    const text = await readFile(from, Deno.readTextFile).catch((e) => {
      if (e instanceof MissingFile) return "";
      throw e;
    });
    return { to: `${out}/${name}`, ...cutJsonl(text, from, progress.step) };
  }));
  return {
    checkpointDir,
    state: { model, optimizer, progressJson },
    progress,
    async apply() {
      await Deno.mkdir(out, { recursive: true });
      for (const log of logs) await writeOutFile(log.to, log.kept, true);
      const dropped = logs.reduce((sum, l) => sum + l.dropped, 0);
      return [
        ...logs.flatMap((l) => l.notes),
        `resuming ${checkpointDir} at step ${progress.step}` +
        (elsewhere ? ` into ${out} (a copy of ${runDir}'s logs up to step ${progress.step})` : "") +
        (dropped > 0 && !elsewhere ? `; dropped ${dropped} logged lines after step ${progress.step}` : ""),
      ];
    },
  };
}

/** trainer_state.json's fields, checked; `n` is the checkpoint-N folder's N when it has one. */
export function checkTrainProgress(value: unknown, file: string, n: number | undefined): TrainProgress {
  if (!isObject(value)) throw new Error(`${file}: expected a JSON object, got ${JSON.stringify(value)}`);
  const { step, rngState, rewardWeights, config } = value;
  if (!Number.isInteger(step) || (step as number) < 0) {
    throw new Error(`${file}: "step" must be a whole number >= 0, got ${JSON.stringify(step)}`);
  }
  if (n !== undefined && step !== n) {
    throw new Error(`${file}: "step" is ${step}, but its folder is checkpoint-${n}; the two must agree`);
  }
  if (!Number.isInteger(rngState) || (rngState as number) < 0 || (rngState as number) > 0xffffffff) {
    throw new Error(
      `${file}: "rngState" must be an unsigned 32-bit integer, got ${JSON.stringify(rngState)}`,
    );
  }
  if (!Array.isArray(rewardWeights) || !rewardWeights.every((w) => Number.isFinite(w))) {
    throw new Error(
      `${file}: "rewardWeights" must be a list of numbers, got ${JSON.stringify(rewardWeights)}`,
    );
  }
  if (!isObject(config)) throw new Error(`${file}: "config" must be a JSON object`);
  return value as unknown as TrainProgress;
}

/**
 * The lines of a JSONL log (its text, read from `file`) whose step is at most `step`: what a resumed run
 * keeps before writing again. A torn last line (a crash or a full disk mid-write: no newline and no
 * JSON) is dropped with a note; any other bad line is an error naming FILE:LINE.
 */
export function cutJsonl(text: string, file: string, step: number): {
  kept: string;
  dropped: number;
  notes: string[];
} {
  const lines = text.split("\n");
  const notes: string[] = [];
  const kept: string[] = [];
  let dropped = 0;
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (e) {
      if (i === lines.length - 1) {
        notes.push(`${file}:${i + 1}: dropped a torn last line (${line.length} characters, no newline)`);
        continue;
      }
      throw new Error(`${file}:${i + 1}: not a JSON line (${messageOf(e)}); fix or remove it to resume`);
    }
    const at = isObject(record) ? record.step : undefined;
    if (typeof at !== "number") throw new Error(`${file}:${i + 1}: the line has no numeric "step"`);
    if (at <= step) kept.push(line + "\n");
    else dropped++;
  }
  return { kept: kept.join(""), dropped, notes };
}

class MissingFile extends Error {}

async function readFile<T>(path: string, read: (p: string) => Promise<T>): Promise<T> {
  try {
    return await read(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new MissingFile(`${path} is missing`);
    throw new Error(`cannot read ${path}: ${messageOf(e)}`);
  }
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${messageOf(e)}`);
  }
}

/** The file's __metadata__, after checking that it parses. */
function checkSafetensors(bytes: Uint8Array, file: string): Record<string, string> {
  try {
    return readSafetensors(bytes).metadata;
  } catch (e) {
    throw new Error(`${file}: ${messageOf(e)}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

async function samePath(a: string, b: string): Promise<boolean> {
  try {
    return await Deno.realPath(a) === await Deno.realPath(b);
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
