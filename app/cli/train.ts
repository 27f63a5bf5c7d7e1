/**
 * deno task train: GRPO on the built-in default run (public/configs/default.json) or on what
 * --config files and key=value settings change of it. --resume DIR continues a run exactly; a
 * non-empty output folder is refused unless --overwrite is given.
 */
import { type CommandSpec, parseArgsOrExit } from "./args.ts";
import { runCommand } from "./jobs.ts";
import { OVERWRITE_SWITCH } from "./out_folder.ts";
import { findResumeCheckpoint, runFolderOf } from "./run_folder.ts";
import { runTrain } from "./train_job.ts";

/** The embedded default run, the first settings layer of every `train`. */
export const DEFAULT_RUN = new URL("../../public/configs/default.json", import.meta.url).pathname;

const SPEC = {
  name: "train",
  summary:
    "GRPO: G completions per prompt, rewards, group-normalised advantages, clipped policy loss + KL; " +
    "--resume DIR continues a run, --overwrite replaces a non-empty --out",
  flags: { "--checkpoint": { key: "model_name_or_path" }, "--task": { key: "task" } },
  values: {
    "--resume": {
      arg: "DIR",
      doc:
        "continue the run of DIR (a run folder or its checkpoint-N/) exactly; its saved settings are the base",
    },
  },
  switches: OVERWRITE_SWITCH,
} satisfies CommandSpec;

// Parsed once for --help, unknown flags and --resume; again below with the resumed run's settings as base.
const resume = parseArgsOrExit(SPEC, Deno.args).values.get("--resume")?.[0];

await runCommand(async () => {
  // On resume the saved, resolved config is the base layer; settings given now still win.
  // The run continues in the resumed checkpoint's own folder unless --out says otherwise.
  const checkpointDir = resume ? await findResumeCheckpoint(resume) : undefined;
  const base = checkpointDir
    ? ["--config", `${checkpointDir}/run_config.json`, `out=${runFolderOf(checkpointDir)}`]
    : ["--config", DEFAULT_RUN];
  const { config, switches } = parseArgsOrExit(SPEC, [...base, ...Deno.args]);
  await runTrain(config, { resume, overwrite: switches.has("--overwrite") });
});
