/**
 * The long-running jobs behind the commands, each driving the trainer worker and writing its run folder.
 * The command files only parse arguments and call one of these.
 */
import type { RunConfig } from "../../core/config/mod.ts";
import { MetricsWriter } from "./metrics_writer.ts";
import { prepareOutFolder } from "./out_folder.ts";
import { Progress } from "./progress.ts";
import { pruneCheckpoints } from "./run_folder.ts";
import { DENO_ASSETS, readCheckpoint, startTrainer, writeCheckpoint } from "./trainer_client.ts";

export interface SftResult {
  losses: number[];
  checkpointDir: string;
}

/**
 * SFT for config.max_steps: DIR/metrics.jsonl, DIR/checkpoint-N/ every save_steps (the newest
 * save_total_limit of them kept), DIR/checkpoint/ at the end. A non-empty DIR needs `overwrite`.
 */
export async function runSft(config: RunConfig, overwrite = false): Promise<SftResult> {
  await prepareOutFolder(config.out, "sft", overwrite);
  const trainer = startTrainer();
  try {
    const checkpoint = config.model_name_or_path
      ? await readCheckpoint(config.model_name_or_path)
      : undefined;
    const info = await trainer.api.init(config, DENO_ASSETS, checkpoint);
    console.error(info.backendNote);
    for (const note of info.notes) console.error(note);
    console.error(
      `sft: model ${config.model}, ${info.parameters.toLocaleString("en")} parameters, vocabulary ` +
        `${info.vocabSize}, ${info.weights}; task ${config.task}; ${config.max_steps} steps -> ${config.out}`,
    );
    const metrics = MetricsWriter.open(config.out);
    const progress = new Progress({ total: config.max_steps, label: "sft" });
    const losses: number[] = [];
    for (let step = 1; step <= config.max_steps; step++) {
      const m = await trainer.api.sftStep();
      losses.push(m.loss);
      if (step % config.logging_steps === 0 || step === config.max_steps) metrics.write(m);
      progress.update(step, `loss ${m.loss.toFixed(3)} lr ${m.learning_rate.toExponential(1)}`);
      if (config.save_steps > 0 && step % config.save_steps === 0 && step < config.max_steps) {
        await writeCheckpoint(`${config.out}/checkpoint-${step}`, await trainer.api.saveCheckpoint());
        for (const gone of await pruneCheckpoints(config.out, config.save_total_limit, step)) {
          progress.say(`save_total_limit ${config.save_total_limit}: removed ${gone}`);
        }
      }
    }
    progress.finish();
    metrics.close();
    const checkpointDir = `${config.out}/checkpoint`;
    await writeCheckpoint(checkpointDir, await trainer.api.saveCheckpoint());
    const k = Math.max(1, Math.min(10, Math.floor(losses.length / 4)));
    console.log(
      `sft done: mean loss ${mean(losses.slice(0, k)).toFixed(3)} over the first ${k} steps -> ` +
        `${mean(losses.slice(-k)).toFixed(3)} over the last ${k}; metrics ${config.out}/metrics.jsonl; ` +
        `checkpoint ${checkpointDir}/`,
    );
    return { losses, checkpointDir };
  } finally {
    await trainer.close();
  }
}

function mean(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
}

/**
 * Runs a command's job; a failure prints one line, "error: <message>", and exits with code 1
 * (GRPO_LAB_DEBUG=1 adds the stack).
 */
export async function runCommand(job: () => Promise<unknown>): Promise<void> {
  try {
    await job();
  } catch (e) {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    if (Deno.env.get("GRPO_LAB_DEBUG")) console.error(e);
    Deno.exit(1);
  }
}
