/** deno task sft: supervised fine-tuning on the synthetic tasks' reference completions (see jobs.ts). */
import { parseArgsOrExit } from "./args.ts";
import { runCommand, runSft } from "./jobs.ts";

const { config } = parseArgsOrExit({
  name: "sft",
  summary: "supervised fine-tuning on reference completions (cross-entropy on completion tokens only)",
  flags: { "--checkpoint": { key: "checkpoint" }, "--task": { key: "task" } },
});
await runCommand(() => runSft(config));
