/**
 * npm start (deno task start): the main job on the built-in default, with no download. Until the browser
 * lab lands this is a short headless run: SFT from a fresh tiny model for a few dozen steps, then the new
 * checkpoint and the shipped one evaluated side by side on the same held-out scenes.
 */
import { parseArgsOrExit } from "./args.ts";
import { runCommand, runEval, runSft } from "./jobs.ts";

const { config } = parseArgsOrExit({
  name: "start",
  summary: "short headless demo: a few SFT steps from scratch, then eval against the shipped checkpoint",
}, ["max_steps=40", "learning_rate=2e-3", "eval_n=32", "save_steps=0", ...Deno.args]);

await runCommand(async () => {
  const { checkpointDir } = await runSft(config);
  console.log("\nthe checkpoint just trained:");
  await runEval({ ...config, out: `${config.out}/eval-new` }, checkpointDir);
  console.log("\nthe shipped checkpoint (public/checkpoints/tiny-sft), same scenes and seed:");
  await runEval({ ...config, out: `${config.out}/eval-shipped` }, "");
});
