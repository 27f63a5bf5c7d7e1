/**
 * The one rule for every command that writes a folder (train, sft, eval, data export): a non-empty --out
 * is an error unless --overwrite (or train's --resume) is given, and --overwrite deletes only what the
 * command writes, refusing by name when anything else is there. Plus the writes themselves: every
 * failure names its file, and a folder (a checkpoint) is written whole or not at all.
 */

const CHECKPOINT_ENTRY = /^checkpoint-\d+$|^checkpoint$|^\.checkpoint(-\d+)?\.tmp$/;
const EVAL_FILES = new Set([
  "predictions.jsonl",
  "predictions-a.jsonl",
  "predictions-b.jsonl",
  "compare.jsonl",
  "metrics.jsonl",
  "report.html",
]);
const RUN_FILES = new Set(["metrics.jsonl", "samples.jsonl", "run_config.json"]);
const EXPORT_FILES = new Set(["train.parquet", "test.parquet"]);

/** Which names a command writes, and whether a non-empty folder could instead be continued. */
interface OutputRule {
  owns(name: string): boolean;
  resumable: boolean;
}

/**
 * What each command writes. A training run's folder (train or sft) also counts the eval outputs, since
 * evaluating into the run folder is common; eval and export own only their own files, so that their
 * --overwrite can never delete a checkpoint.
 */
export const OUTPUT_RULES = {
  train: { owns: isRunOutput, resumable: true },
  sft: { owns: isRunOutput, resumable: false },
  eval: { owns: (name) => EVAL_FILES.has(name), resumable: false },
  "data export": { owns: (name) => EXPORT_FILES.has(name), resumable: false },
} satisfies Record<string, OutputRule>;

export type OutputCommand = keyof typeof OUTPUT_RULES;

/** metrics.jsonl, samples.jsonl, run_config.json, checkpoint-N/, checkpoint/, their .tmp, eval outputs. */
export function isRunOutput(name: string): boolean {
  return RUN_FILES.has(name) || CHECKPOINT_ENTRY.test(name) || EVAL_FILES.has(name);
}

/** The names in `dir`, sorted; [] when it does not exist. */
export async function listFolder(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) names.push(e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw new Error(`cannot read the output folder ${dir}: ${messageOf(e)}`);
  }
  return names.sort();
}

/**
 * Checks `dir` before `command` writes into it: absent or empty is fine; non-empty is refused unless
 * `overwrite`, and then only the entries the command writes are deleted, after checking that nothing
 * else is there, so that `--overwrite --out .` cannot delete a project.
 */
export async function prepareOutFolder(
  dir: string,
  command: OutputCommand,
  overwrite: boolean,
): Promise<void> {
  const rule: OutputRule = OUTPUT_RULES[command];
  const entries = await listFolder(dir);
  if (entries.length === 0) return;
  if (!overwrite) {
    const resume = rule.resumable ? `--resume ${dir} to continue that run, ` : "";
    throw new Error(
      `output folder ${dir} is not empty: pass ${resume}--overwrite to replace it, or another --out`,
    );
  }
  const foreign = entries.filter((n) => !rule.owns(n));
  if (foreign.length > 0) {
    throw new Error(
      `--overwrite: ${dir} holds ${foreign.length} entr${foreign.length === 1 ? "y" : "ies"} that ` +
        `${command} does not write (${foreign.join(", ")}); not deleting anything. Move them or pick ` +
        `another --out`,
    );
  }
  for (const name of entries) {
    await Deno.remove(`${dir}/${name}`, { recursive: true }).catch((e) => {
      throw new Error(`--overwrite: cannot delete ${dir}/${name}: ${messageOf(e)}`);
    });
  }
}

const encoder = new TextEncoder();

/** Writes a whole file (replacing it); `sync` waits until it is on disk. A failure names the file. */
export async function writeOutFile(path: string, data: string | Uint8Array, sync = false): Promise<void> {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  try {
    const file = await Deno.open(path, { write: true, create: true, truncate: true });
    try {
      for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
      if (sync) await file.sync();
    } finally {
      file.close();
    }
  } catch (e) {
    throw new Error(`cannot write ${path}: ${messageOf(e)}`);
  }
}

/**
 * Writes `files` into the folder `final` through a hidden sibling, PARENT/.NAME.tmp: each file is
 * fsynced before the rename, so a crash or a full disk leaves either the previous folder or the new one
 * whole, never a folder of torn files under the final name.
 */
export async function writeFolderAtomically(
  final: string,
  files: Readonly<Record<string, string | Uint8Array>>,
): Promise<void> {
  const cut = final.replace(/\/+$/, "").lastIndexOf("/");
  const parent = cut < 0 ? "." : final.slice(0, cut) || "/";
  const tmp = `${parent}/.${final.replace(/\/+$/, "").slice(cut + 1)}.tmp`;
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
  await Deno.mkdir(tmp, { recursive: true }).catch((e) => {
    throw new Error(`cannot create ${tmp}: ${messageOf(e)}`);
  });
  for (const [name, data] of Object.entries(files)) await writeOutFile(`${tmp}/${name}`, data, true);
  // rename() cannot replace a non-empty folder: an older folder of the same name goes first.
  await Deno.remove(final, { recursive: true }).catch(() => {});
  await Deno.rename(tmp, final).catch((e) => {
    throw new Error(`cannot rename ${tmp} to ${final}: ${messageOf(e)}`);
  });
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The --overwrite switch, as each command that writes a folder declares it (args.ts CommandSpec). */
export const OVERWRITE_SWITCH: Readonly<Record<string, string>> = {
  "--overwrite": "replace a non-empty --out: deletes what this command writes there, refuses anything else",
};
