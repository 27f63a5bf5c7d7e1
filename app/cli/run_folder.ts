/**
 * A GRPO run folder on disk: DIR/metrics.jsonl, DIR/samples.jsonl and DIR/checkpoint-N/ holding
 *   config.json + model.safetensors   the policy (a checkpoint eval and sft read too)
 *   optimizer.safetensors             AdamW's moments and step counts
 *   trainer_state.json                step (= data position), sampler state, reward weights
 *   run_config.json                   the resolved RunConfig, read back as a --config layer on resume
 * A checkpoint is written into a hidden temporary folder and renamed into place, so a crash while
 * writing leaves the previous one whole.
 */
import type { TrainState } from "../../workers/api.ts";
import { readCheckpoint } from "./trainer_client.ts";

const CHECKPOINT_RE = /^checkpoint-(\d+)$/;

export async function writeTrainState(dir: string, step: number, state: TrainState): Promise<string> {
  const final = `${dir}/checkpoint-${step}`;
  const tmp = `${dir}/.checkpoint-${step}.tmp`;
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
  await Deno.mkdir(tmp, { recursive: true });
  const progress = JSON.parse(state.progressJson);
  await Deno.writeTextFile(`${tmp}/config.json`, state.model.configJson);
  await Deno.writeFile(`${tmp}/model.safetensors`, state.model.safetensors);
  await Deno.writeFile(`${tmp}/optimizer.safetensors`, state.optimizer);
  await Deno.writeTextFile(`${tmp}/run_config.json`, JSON.stringify(progress.config, null, 2) + "\n");
  await Deno.writeTextFile(`${tmp}/trainer_state.json`, state.progressJson + "\n");
  await Deno.remove(final, { recursive: true }).catch(() => {});
  await Deno.rename(tmp, final);
  return final;
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

export async function readTrainState(checkpointDir: string): Promise<TrainState> {
  const read = async <T>(file: string, f: (p: string) => Promise<T>): Promise<T> => {
    try {
      return await f(`${checkpointDir}/${file}`);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) throw new Error(`${checkpointDir}/${file} is missing`);
      throw e;
    }
  };
  return {
    model: await readCheckpoint(checkpointDir),
    optimizer: await read("optimizer.safetensors", Deno.readFile),
    progressJson: await read("trainer_state.json", Deno.readTextFile),
  };
}

/**
 * A new run's folder must be empty (or absent): never a silent auto-resume. With overwrite, a folder
 * that looks like a run folder (metrics.jsonl or checkpoint-N inside) is emptied; anything else is
 * refused, so that `--overwrite --out .` cannot delete a project.
 */
export async function prepareNewRunFolder(dir: string, overwrite: boolean): Promise<void> {
  const entries: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) entries.push(e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  if (entries.length === 0) return;
  if (!overwrite) {
    throw new Error(
      `output folder ${dir} is not empty: pass --resume ${dir} to continue that run, --overwrite to replace ` +
        `it, or another --out`,
    );
  }
  const looksLikeRun = entries.some((n) => n === "metrics.jsonl" || CHECKPOINT_RE.test(n));
  if (!looksLikeRun) throw new Error(`--overwrite: ${dir} does not look like a run folder; not deleting it`);
  await Deno.remove(dir, { recursive: true });
}

/** Keeps the lines of DIR/FILE whose step is at most `step` (what a resumed run will write again). */
export async function truncateJsonl(path: string, step: number): Promise<number> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return 0;
    throw e;
  }
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const kept = lines.filter((l) => (JSON.parse(l) as { step: number }).step <= step);
  await Deno.writeTextFile(path, kept.map((l) => l + "\n").join(""));
  return lines.length - kept.length;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
