/**
 * deno task sft: supervised fine-tuning on the synthetic tasks' reference completions, in the trainer
 * worker. Writes DIR/metrics.jsonl, DIR/checkpoint-N/ every save_steps and DIR/checkpoint/ at the end.
 */
import { parseArgsOrExit } from "./args.ts";
import { MetricsWriter } from "./metrics_writer.ts";
import { Progress } from "./progress.ts";
import { DENO_ASSETS, readCheckpoint, startTrainer, writeCheckpoint } from "./trainer_client.ts";

const { config } = parseArgsOrExit({
  name: "sft",
  summary: "supervised fine-tuning on reference completions (cross-entropy on completion tokens)",
  flags: { "--checkpoint": { key: "checkpoint" }, "--task": { key: "task" } },
});

const trainer = startTrainer();
try {
  const checkpoint = config.checkpoint ? await readCheckpoint(config.checkpoint) : undefined;
  const info = await trainer.api.init(config, DENO_ASSETS, checkpoint);
  console.error(info.backendNote);
  console.error(
    `model ${config.model}: ${
      info.parameters.toLocaleString("en")
    } parameters, vocabulary ${info.vocabSize}, ` +
      `${info.weights}; task ${config.task}; ${config.max_steps} steps -> ${config.out}`,
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
    }
  }
  progress.finish();
  metrics.close();
  await writeCheckpoint(`${config.out}/checkpoint`, await trainer.api.saveCheckpoint());
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const k = Math.max(1, Math.min(10, Math.floor(losses.length / 4)));
  console.log(
    `sft done: loss ${mean(losses.slice(0, k)).toFixed(3)} (first ${k} steps) -> ` +
      `${mean(losses.slice(-k)).toFixed(3)} (last ${k}); metrics ${config.out}/metrics.jsonl; ` +
      `checkpoint ${config.out}/checkpoint/`,
  );
} finally {
  await trainer.close();
}
