/**
 * deno task train: GRPO on the built-in default run (public/configs/default.json) or on what
 * --config files and key=value settings change of it. --resume DIR continues a run exactly; a
 * non-empty output folder is refused unless --overwrite is given.
 */
import { parseArgsOrExit } from "./args.ts";
import { runCommand } from "./jobs.ts";
import { OVERWRITE_SWITCH } from "./out_folder.ts";
import { findResumeCheckpoint, runFolderOf } from "./run_folder.ts";
import { runTrain } from "./train_job.ts";

/** The embedded default run, the first settings layer of every `train`. */
export const DEFAULT_RUN = new URL("../../public/configs/default.json", import.meta.url).pathname;

const argv = [...Deno.args];
/** Removes `--resume DIR` / `--resume=DIR` from argv and returns DIR. */
function takeResume(): string | undefined {
  const i = argv.findIndex((a) => a === "--resume" || a.startsWith("--resume="));
  if (i < 0) return undefined;
  if (argv[i].includes("=")) return argv.splice(i, 1)[0].slice("--resume=".length);
  if (i + 1 >= argv.length) {
    console.error("error: --resume needs a value");
    Deno.exit(2);
  }
  return argv.splice(i, 2)[1];
}
const resume = takeResume();

await runCommand(async () => {
  // On resume the saved, resolved config is the base layer; settings given now still win.
  // The run continues in the resumed checkpoint's own folder unless --out says otherwise.
  const checkpointDir = resume ? await findResumeCheckpoint(resume) : undefined;
  const base = checkpointDir
    ? ["--config", `${checkpointDir}/run_config.json`, `out=${runFolderOf(checkpointDir)}`]
    : ["--config", DEFAULT_RUN];
  const { config, switches } = parseArgsOrExit({
    name: "train",
    summary:
      "GRPO: G completions per prompt, rewards, group-normalised advantages, clipped policy loss + KL; " +
      "--resume DIR continues a run, --overwrite replaces a non-empty --out",
    flags: { "--checkpoint": { key: "checkpoint" }, "--task": { key: "task" } },
    switches: OVERWRITE_SWITCH,
  }, [...base, ...argv]);
  await runTrain(config, { resume, overwrite: switches.has("--overwrite") });
});
