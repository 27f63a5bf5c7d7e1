/**
 * deno task train: GRPO on the built-in default run (public/configs/default.json) or on what
 * --config files and key=value settings change of it. --resume DIR continues a run exactly; a
 * non-empty output folder is refused unless --overwrite is given.
 */
import { parseArgsOrExit } from "./args.ts";
import { runCommand } from "./jobs.ts";
import { findResumeCheckpoint } from "./run_folder.ts";
import { runTrain } from "./train_job.ts";

/** The embedded default run, the first settings layer of every `train`. */
export const DEFAULT_RUN = new URL("../../public/configs/default.json", import.meta.url).pathname;

const argv = [...Deno.args];
const take = (flag: string, withValue: boolean): string | undefined => {
  const i = argv.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
  if (i < 0) return undefined;
  if (argv[i].includes("=")) return argv.splice(i, 1)[0].slice(flag.length + 1);
  if (!withValue) return argv.splice(i, 1)[0];
  if (i + 1 >= argv.length) {
    console.error(`error: ${flag} needs a value`);
    Deno.exit(2);
  }
  return argv.splice(i, 2)[1];
};
const resume = take("--resume", true);
const overwrite = take("--overwrite", false) !== undefined;

await runCommand(async () => {
  // On resume the saved, resolved config is the base layer; settings given now still win.
  const base = resume ? `${await findResumeCheckpoint(resume)}/run_config.json` : DEFAULT_RUN;
  const { config } = parseArgsOrExit({
    name: "train",
    summary:
      "GRPO: G completions per prompt, rewards, group-normalised advantages, clipped policy loss + KL; " +
      "--resume DIR continues a run, --overwrite replaces a non-empty --out",
    flags: { "--checkpoint": { key: "checkpoint" }, "--task": { key: "task" } },
  }, ["--config", base, ...argv]);
  await runTrain(config, { resume, overwrite });
});
