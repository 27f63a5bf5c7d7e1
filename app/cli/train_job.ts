/**
 * deno task train's job: GRPO in the trainer worker for config.max_steps, one metrics event per step in
 * DIR/metrics.jsonl, each logging step's groups in DIR/samples.jsonl, a checkpoint every save_steps
 * and at the end (run_folder.ts), resumable with --resume.
 */
import type { RunConfig } from "../../core/config/mod.ts";
import type { Metrics } from "../../core/grpo/step_metrics.ts";
import { MetricsWriter } from "./metrics_writer.ts";
import { prepareOutFolder } from "./out_folder.ts";
import { Progress } from "./progress.ts";
import { planResume, pruneCheckpoints, writeTrainState } from "./run_folder.ts";
import { DENO_ASSETS, readCheckpoint, startTrainer } from "./trainer_client.ts";

export interface TrainOptions {
  /** A run folder or checkpoint folder to continue from. */
  resume?: string;
  overwrite?: boolean;
}

export interface TrainResult {
  metrics: Metrics[];
  checkpointDir: string;
}

export async function runTrain(config: RunConfig, options: TrainOptions = {}): Promise<TrainResult> {
  if (options.resume && options.overwrite) throw new Error("give --resume or --overwrite, not both");
  // Every check before any file is touched: a refused or broken resume leaves the folders as they were.
  const resume = options.resume ? await planResume(options.resume, config.out) : undefined;
  const startStep = resume ? resume.progress.step : 0;
  if (startStep >= config.max_steps) {
    throw new Error(
      `the run is at step ${startStep} already; raise max_steps (${config.max_steps}) to go on`,
    );
  }
  const saved = resume?.progress.config;
  if (saved && saved.max_steps !== config.max_steps && config.lr_scheduler_type !== "constant") {
    // The schedule decays to 0 at max_steps: stretching it changes every later step's learning rate.
    console.error(
      `resume: max_steps ${saved.max_steps} -> ${config.max_steps} with lr_scheduler_type=` +
        `${config.lr_scheduler_type}: the learning rate from step ${startStep + 1} on follows the ` +
        `stretched schedule, so the run will not replay a straight ${config.max_steps}-step run`,
    );
  }
  if (!resume) await prepareOutFolder(config.out, "train", options.overwrite ?? false);
  const trainer = startTrainer();
  try {
    const checkpoint = config.model_name_or_path
      ? await readCheckpoint(config.model_name_or_path)
      : undefined;
    const info = await trainer.api.init(config, DENO_ASSETS, checkpoint, resume?.state);
    console.error(info.backendNote);
    for (const note of info.notes) console.error(note);
    // The logs are cut back only once the trainer took the state: a failure before here loses nothing.
    for (const line of await resume?.apply() ?? []) console.error(line);
    const data = config.dataset ? `data set ${config.dataset}` : `task ${config.task}`;
    console.error(
      `train: GRPO, model ${config.model} (${info.parameters.toLocaleString("en")} parameters), ` +
        `${info.weights}; ${data}; ${config.per_device_train_batch_size} prompts x ` +
        `${config.num_generations} completions per step; rewards ${
          config.reward_funcs.map((f, i) => `${f} x ${config.reward_weights[i] ?? 1}`).join(", ")
        }; steps ${startStep + 1}..${config.max_steps} -> ${config.out}`,
    );
    const metricsFile = MetricsWriter.open(config.out);
    const samplesFile = MetricsWriter.open(config.out, "samples.jsonl");
    const progress = new Progress({ total: config.max_steps, label: "train" });
    const all: Metrics[] = [];
    let checkpointDir = "";
    for (let step = startStep + 1; step <= config.max_steps; step++) {
      const { metrics, groups, said } = await trainer.api.grpoStep();
      for (const line of said) progress.say(line);
      all.push(metrics);
      metricsFile.write(metrics);
      if (step % config.logging_steps === 0 || step === config.max_steps) {
        for (const g of groups) samplesFile.write({ step, ...g });
      }
      progress.update(
        step,
        `reward ${metrics.reward.toFixed(3)} loss ${metrics.loss.toFixed(4)} len ${
          metrics["completions/mean_length"].toFixed(0)
        }`,
      );
      const last = step === config.max_steps;
      if (last || (config.save_steps > 0 && step % config.save_steps === 0)) {
        checkpointDir = await writeTrainState(config.out, step, await trainer.api.saveTrainState());
        for (const gone of await pruneCheckpoints(config.out, config.save_total_limit, step)) {
          progress.say(`save_total_limit ${config.save_total_limit}: removed ${gone}`);
        }
      }
    }
    progress.finish();
    metricsFile.close();
    samplesFile.close();
    const first = all[0], final = all[all.length - 1];
    console.log(
      `train done: reward ${first.reward.toFixed(3)} at step ${first.step} -> ${
        final.reward.toFixed(3)
      } at ` +
        `step ${final.step}; metrics ${metricsFile.path}; checkpoint ${checkpointDir}/`,
    );
    return { metrics: all, checkpointDir };
  } finally {
    await trainer.close();
  }
}
