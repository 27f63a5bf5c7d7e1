/**
 * deno task eval: generates for held-out synthetic scenes with a checkpoint and prints format rate,
 * accuracy and (grounding) mean IoU; writes DIR/predictions.jsonl and DIR/metrics.jsonl.
 */
import { parseArgsOrExit } from "./args.ts";
import { Progress } from "./progress.ts";
import { DENO_ASSETS, readCheckpoint, SHIPPED_CHECKPOINT, startTrainer } from "./trainer_client.ts";
import { formatEvalTable } from "./eval_table.ts";

const { config } = parseArgsOrExit({
  name: "eval",
  summary: "evaluate a checkpoint on held-out synthetic scenes (default: the shipped checkpoint)",
  flags: {
    "--checkpoint": { key: "checkpoint", doc: "checkpoint folder or .safetensors; default the shipped one" },
    "--task": { key: "task" },
    "--n": { key: "eval_n" },
  },
});

const checkpointPath = config.checkpoint || SHIPPED_CHECKPOINT;
if (!config.checkpoint) console.error(`no --checkpoint given: evaluating the shipped one, ${checkpointPath}`);
const trainer = startTrainer();
try {
  const info = await trainer.api.init(config, DENO_ASSETS, await readCheckpoint(checkpointPath));
  console.error(info.backendNote);
  const progress = new Progress({ total: config.eval_n, label: "eval" });
  const report = await trainer.api.evaluate(
    { task: config.task, n: config.eval_n, seed: config.seed, batchSize: config.per_device_train_batch_size },
    (done) => progress.update(done),
  );
  progress.finish();
  await Deno.mkdir(config.out, { recursive: true });
  await Deno.writeTextFile(
    `${config.out}/predictions.jsonl`,
    report.predictions.map((p) => JSON.stringify(p)).join("\n") + "\n",
  );
  await Deno.writeTextFile(
    `${config.out}/metrics.jsonl`,
    JSON.stringify({ checkpoint: checkpointPath, temperature: config.temperature, ...report.summary }) + "\n",
  );
  console.log(formatEvalTable(report, checkpointPath, config.temperature));
  console.log(`predictions: ${config.out}/predictions.jsonl`);
} finally {
  await trainer.close();
}
