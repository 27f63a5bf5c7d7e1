/**
 * deno task eval: a checkpoint on held-out samples (synthetic scenes, or a data set's eval split), scored
 * with the run's reward set; prints the summary and writes predictions, metrics and an HTML report.
 * `--compare A B` evaluates two checkpoints on the same samples, side by side.
 */
import { parseArgsOrExit } from "./args.ts";
import { runEvalReport } from "./eval_job.ts";
import { runCommand } from "./jobs.ts";
import { OVERWRITE_SWITCH } from "./out_folder.ts";

const { config, switches, values } = parseArgsOrExit({
  name: "eval",
  summary:
    "evaluate a checkpoint (default: the shipped one) on held-out scenes or a data set's eval split; " +
    "--compare A B puts two checkpoints side by side",
  flags: {
    "--checkpoint": {
      key: "model_name_or_path",
      doc: "checkpoint folder or .safetensors; default the shipped one",
    },
    "--task": { key: "task" },
    "--n": { key: "eval_n" },
    "--dataset": { key: "dataset" },
    "--rewards": { key: "reward_funcs" },
    "--weights": { key: "reward_weights" },
  },
  values: {
    "--compare": {
      arg: "A B",
      doc: "evaluate checkpoints A and B on the same samples, side by side",
      count: 2,
    },
  },
  switches: OVERWRITE_SWITCH,
});
const compare = values.get("--compare") as [string, string] | undefined;
if (compare && config.model_name_or_path) {
  console.error("error: give either --checkpoint or --compare A B, not both");
  Deno.exit(2);
}
await runCommand(() => runEvalReport(config, compare, switches.has("--overwrite")));
