/**
 * SFT end to end in-process: TrainerSession for 3 steps on wasm and on webgpu (the software adapter
 * here), the loss on a fixed held batch before and after, the metrics, tensor counts, a checkpoint
 * round trip; and gradient accumulation against one big batch.
 */
import * as tf from "@tensorflow/tfjs";
import { assert, assertAllClose, assertAlmostEquals, assertEquals } from "../../assert.ts";
import { initBackend } from "../../../core/backend.ts";
import { makeSample, splitSeed } from "../../../core/data/mod.ts";
import { TrainerSession } from "../../../core/train/session.ts";
import { accumulateGradients, sftGradients, type SftMicroBatch } from "../../../core/train/sft.ts";
import { buildSequenceBatch, completionLogprobs, completionNll } from "../../../core/train/sequences.ts";
import { configFromJson, modelFromSafetensors } from "../../../models/qwen2_vl/mod.ts";
import { readSafetensors } from "../../../models/safetensors.ts";
import type { EvalOptions } from "../../../core/eval/evaluate.ts";
import type { Metrics } from "../../../core/grpo/step_metrics.ts";
import type { CheckpointFiles } from "../../../core/train/train_state.ts";
import { DENO_ASSETS } from "../../helpers/assets.ts";
import { loadLab, TEST_IMAGE_SIZE, testConfig, tinyLabModel } from "../../helpers/tiny_lab.ts";

const { text } = await loadLab();

/**
 * The session runs train on attribute samples: every prompt is 18 tokens and every reference 45, so all
 * steps (and the held batch of 2) share one set of shapes and webgpu compiles its shaders only once.
 */
const TASK = "attribute";

/** SFT batches: prompts and reference completions (<|im_end|> included) of `task` samples. */
async function sftBatch(seed: number, indices: number[], task = TASK): Promise<SftMicroBatch> {
  const samples = indices.map((i) => makeSample(task, seed, i));
  return {
    prompts: await Promise.all(samples.map((x) => text.encodePrompt(x, { imageSize: TEST_IMAGE_SIZE }))),
    completions: samples.map((x) => text.encodeCompletion(x.reference, { end: true })),
  };
}

/** A held-out batch no training step sees: eval split. */
const held = await sftBatch(splitSeed("eval", 7), [0, 1]);

/** Mean completion NLL of the held batch under a checkpoint's weights, on the current backend. */
async function heldLoss(files: CheckpointFiles): Promise<number> {
  const model = modelFromSafetensors(configFromJson(JSON.parse(files.configJson)), files.safetensors);
  const seq = buildSequenceBatch(model, held.prompts, held.completions, text.ids.pad);
  const loss = tf.tidy(() =>
    completionNll(completionLogprobs(model, seq, held.prompts, [0, 1]), seq.completionMask)
  );
  const value = (await loss.data())[0];
  loss.dispose();
  model.dispose();
  return value;
}

/** Weights only: the safetensors bytes after the header (the header's metadata holds the step). */
function weightBytes(bytes: Uint8Array): Uint8Array {
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return bytes.subarray(8 + headerLength);
}

const SFT_VALUES = {
  model: "tiny",
  task: TASK,
  seed: 5,
  image_size: TEST_IMAGE_SIZE,
  per_device_train_batch_size: 2,
  num_generations: 2,
  max_steps: 3,
  learning_rate: 3e-3,
  lr_scheduler_type: "constant",
  warmup_ratio: 0,
  max_completion_length: 6,
};

const METRIC_NAMES = [
  "step",
  "loss",
  "grad_norm",
  "learning_rate",
  "tokens",
  "time/step_s",
  "throughput/tokens_per_s",
];

/** Three SFT steps through a TrainerSession on `backend`, checked as it goes; returns their metrics. */
async function threeSteps(backend: "wasm" | "webgpu"): Promise<Metrics[]> {
  const config = testConfig({ ...SFT_VALUES, backend });
  const session = new TrainerSession();
  try {
    const info = await session.init(config, DENO_ASSETS);
    assertEquals(info.backend, backend);
    assertEquals(tf.getBackend(), backend);
    assertEquals(info.weights, "fresh init (seed 5)");
    const start = await session.saveCheckpoint();
    const before = await heldLoss(start);
    // A fresh model is near uniform over the vocabulary: loss ~ log V.
    assertAlmostEquals(before, Math.log(info.vocabSize), 0.2);

    const metrics: Metrics[] = [];
    const tensors: number[] = [];
    for (let step = 1; step <= 3; step++) {
      metrics.push(await session.sftStep());
      tensors.push(await session.numTensors());
    }
    for (const [i, m] of metrics.entries()) {
      assertEquals(Object.keys(m).sort(), [...METRIC_NAMES].sort());
      for (const name of METRIC_NAMES) {
        assert(Number.isFinite(m[name]), `step ${i + 1}: ${name} = ${m[name]}`);
      }
      assertEquals(m.step, i + 1);
      assertEquals(m.learning_rate, 3e-3);
      assert(m.grad_norm > 0, `grad_norm ${m.grad_norm}`);
      // Tokens = the reference completions' lengths (+ <|im_end|>) of this step's 2 training samples.
      const samples = [2 * i, 2 * i + 1].map((k) => makeSample(TASK, splitSeed("train", 5), k));
      const tokens = samples.reduce(
        (s, x) => s + text.encodeCompletion(x.reference, { end: true }).length,
        0,
      );
      assertEquals(m.tokens, tokens, `step ${i + 1} tokens`);
    }
    // Training loss falls on new data each step, and so does the loss on held-out data.
    assert(metrics[2].loss < metrics[0].loss - 0.3, `loss ${metrics.map((m) => m.loss)}`);
    const after = await heldLoss(await session.saveCheckpoint());
    assert(after < before - 0.3, `held loss ${before} -> ${after}`);
    // Steady state: step 3 allocates no more than step 2 kept.
    assertEquals(tensors[2], tensors[1], `live tensors after each step: ${tensors}`);
    return metrics;
  } finally {
    await session.dispose();
  }
}

let wasmRun: Promise<Metrics[]> | undefined;
/** The wasm run, done once whichever test asks first. */
const wasmMetrics = () => (wasmRun ??= threeSteps("wasm"));

Deno.test("TrainerSession.sftStep() x3 on wasm lowers the loss, with finite metrics and no tensor growth", async () => {
  await wasmMetrics();
});

Deno.test("TrainerSession.sftStep() x3 on webgpu (software adapter) lowers the loss and agrees with wasm", async () => {
  const gpu = await threeSteps("webgpu");
  const cpu = await wasmMetrics();
  // Same seed, same data: step 1 sees the same weights, so loss and gradient norm agree to float32
  // noise. Later steps drift a little: Adam's first update is about lr * sign(g), and signs of
  // near-zero gradient entries differ between backends.
  assertAlmostEquals(gpu[0].loss, cpu[0].loss, 1e-4);
  assertAlmostEquals(gpu[0].grad_norm / cpu[0].grad_norm, 1, 1e-3);
  for (const i of [1, 2]) assertAlmostEquals(gpu[i].loss, cpu[i].loss, 0.05, `step ${i + 1}`);
});

Deno.test("TrainerSession.init() from saveCheckpoint() gives the same weights, loss and evaluation", async () => {
  const config = testConfig({ ...SFT_VALUES, backend: "wasm", max_steps: 1 });
  const trained = new TrainerSession();
  const restored = new TrainerSession();
  try {
    await trained.init(config, DENO_ASSETS);
    await trained.sftStep();
    const saved = await trained.saveCheckpoint();
    assertEquals(readSafetensors(saved.safetensors).metadata, {
      format: "pt",
      step: "1",
    });
    const info = await restored.init(config, DENO_ASSETS, saved);
    assertEquals(info.weights, "weights from checkpoint");
    const again = await restored.saveCheckpoint();
    assertEquals(JSON.parse(again.configJson), JSON.parse(saved.configJson));
    assertEquals(weightBytes(again.safetensors), weightBytes(saved.safetensors));
    assertEquals(await heldLoss(again), await heldLoss(saved));
    const options: EvalOptions = { task: TASK, n: 2, seed: 3, batchSize: 2 };
    const a = await trained.evaluate(options);
    const b = await restored.evaluate(options);
    assertEquals(b.predictions, a.predictions);
    assertEquals(a.n, 2);
  } finally {
    await trained.dispose();
    await restored.dispose();
  }
});

Deno.test("accumulateGradients() over micro-batches weighted by tokens equals one batch's gradient", async () => {
  await initBackend({ override: "wasm", log: () => {} });
  const model = await tinyLabModel(8);
  const variables = model.trainableVariables();
  const names = new Map([...model.params].map(([name, v]) => [v.name, name]));
  const before = tf.memory().numTensors;
  // Two micro-batches of 2 and the batch of all 4 rows (padded to the longest prompt and completion).
  // count and grounding references differ in length, so the micro-batches hold different token counts.
  const micro = [await sftBatch(11, [0, 1], "count"), await sftBatch(11, [2, 3], "grounding")];
  const full = { prompts: micro.flatMap((m) => m.prompts), completions: micro.flatMap((m) => m.completions) };
  const whole = await sftGradients(model, full, variables, text.ids.pad);
  const parts = [];
  for (const m of micro) parts.push(await sftGradients(model, m, variables, text.ids.pad));
  // The batch loss is a token mean, so each micro-batch mean weighs tokens_i / tokens.
  assertEquals(parts[0].tokens + parts[1].tokens, whole.tokens);
  assert(parts[0].tokens !== parts[1].tokens, "equal token counts would not test the weighting");
  const sum: tf.NamedTensorMap = {};
  for (const p of parts) accumulateGradients(sum, p.grads, p.tokens / whole.tokens);
  assertAlmostEquals(
    (parts[0].loss * parts[0].tokens + parts[1].loss * parts[1].tokens) / whole.tokens,
    whole.loss,
    1e-5,
  );
  let checked = 0;
  for (const [key, g] of Object.entries(whole.grads)) {
    const expected = await g.data();
    const got = await sum[key].data();
    const scale = Math.max(1e-6, ...Array.from(expected, Math.abs));
    assertAllClose(
      Array.from(got, (v) => v / scale),
      Array.from(expected, (v) => v / scale),
      1e-3,
      names.get(key) ?? key,
    );
    checked++;
  }
  assertEquals(checked, variables.length);
  tf.dispose([...Object.values(whole.grads), ...Object.values(sum)]);
  assertEquals(tf.memory().numTensors, before);
  model.dispose();
});

Deno.test("sftStep() with 2 accumulated micro-batches of 2 makes the same update as one batch of 4", async () => {
  const run = async (batch: number, accum: number) => {
    const config = testConfig({
      ...SFT_VALUES,
      task: "count", // counts differ in length, so the token weighting matters
      backend: "wasm",
      per_device_train_batch_size: batch,
      gradient_accumulation_steps: accum,
      max_steps: 1,
    });
    const session = new TrainerSession();
    await session.init(config, DENO_ASSETS);
    const metrics = await session.sftStep();
    const files = await session.saveCheckpoint();
    await session.dispose();
    return { metrics, weights: readSafetensors(files.safetensors).tensors };
  };
  const one = await run(4, 1);
  const two = await run(2, 2);
  assertEquals(two.metrics.tokens, one.metrics.tokens);
  assertAlmostEquals(two.metrics.loss, one.metrics.loss, 1e-5);
  assertAlmostEquals(two.metrics.grad_norm, one.metrics.grad_norm, 1e-4 * one.metrics.grad_norm);
  // Adam's first update is lr * g / (|g| + eps): where |g| is near eps (1e-8) float32 rounding of the
  // summed gradient moves it by a few percent of lr (3e-3), hence 1e-4 rather than 1e-6.
  for (const [name, t] of one.weights) assertAllClose(two.weights.get(name)!.data, t.data, 1e-4, name);
});

Deno.test("sftStep() with freeze_vision_modules=true leaves every visual.* weight unchanged", async () => {
  const config = testConfig({ ...SFT_VALUES, backend: "wasm", freeze_vision_modules: true, max_steps: 1 });
  const session = new TrainerSession();
  await session.init(config, DENO_ASSETS);
  const before = readSafetensors((await session.saveCheckpoint()).safetensors).tensors;
  await session.sftStep();
  const after = readSafetensors((await session.saveCheckpoint()).safetensors).tensors;
  await session.dispose();
  let changed = 0;
  for (const [name, t] of before) {
    const same = t.data.every((x, i) => x === after.get(name)!.data[i]);
    if (name.startsWith("visual.")) assert(same, `${name} changed`);
    else if (!same) changed++;
  }
  // Every language-model tensor gets a gradient, so every one moves.
  assertEquals(changed, [...before.keys()].filter((n) => !n.startsWith("visual.")).length);
});
