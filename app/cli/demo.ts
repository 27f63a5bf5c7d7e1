/**
 * deno task demo: the whole path headless, on the built-in default, with no download: SFT from a fresh
 * tiny model for a few dozen steps, then the new checkpoint and the shipped one evaluated side by side on
 * the same held-out scenes. (npm start builds and serves the browser lab: app/cli/serve_web.ts.)
 */
import { parseArgsOrExit } from "./args.ts";
import { runEvalReport } from "./eval_job.ts";
import { runCommand, runSft } from "./jobs.ts";

const { config } = parseArgsOrExit({
  name: "demo",
  summary: "short headless demo: a few SFT steps from scratch, then eval against the shipped checkpoint",
}, ["max_steps=40", "learning_rate=2e-3", "eval_n=32", "save_steps=0", ...Deno.args]);

await runCommand(async () => {
  const { checkpointDir } = await runSft(config);
  console.log("\nthe checkpoint just trained:");
  await runEvalReport({ ...config, model_name_or_path: checkpointDir, out: `${config.out}/eval-new` });
  console.log("\nthe shipped checkpoint (public/checkpoints/tiny-sft), same scenes and seed:");
  await runEvalReport({ ...config, model_name_or_path: "", out: `${config.out}/eval-shipped` });
});
