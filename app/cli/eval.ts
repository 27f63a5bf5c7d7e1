/** deno task eval: format rate, accuracy and (grounding) mean IoU of a checkpoint on held-out scenes. */
import { parseArgsOrExit } from "./args.ts";
import { runCommand, runEval } from "./jobs.ts";

const { config } = parseArgsOrExit({
  name: "eval",
  summary: "evaluate a checkpoint on held-out synthetic scenes (default: the shipped checkpoint)",
  flags: {
    "--checkpoint": { key: "checkpoint", doc: "checkpoint folder or .safetensors; default the shipped one" },
    "--task": { key: "task" },
    "--n": { key: "eval_n" },
  },
});
await runCommand(() => runEval(config));
