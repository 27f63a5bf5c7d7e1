/** deno task sft: supervised fine-tuning on the synthetic tasks' reference completions (see jobs.ts). */
import { parseArgsOrExit } from "./args.ts";
import { runCommand, runSft } from "./jobs.ts";
import { OVERWRITE_SWITCH } from "./out_folder.ts";

const { config, switches } = parseArgsOrExit({
  name: "sft",
  summary: "supervised fine-tuning on reference completions (cross-entropy on completion tokens only)",
  flags: { "--checkpoint": { key: "model_name_or_path" }, "--task": { key: "task" } },
  switches: OVERWRITE_SWITCH,
});
await runCommand(() => runSft(config, switches.has("--overwrite")));
