/**
 * The real trainer worker through startTrainer(): init on wasm, two SFT steps, an evaluation and a
 * checkpoint, compared with the same run done in-process by TrainerSession.
 */
import * as Comlink from "comlink";
import { assert, assertAlmostEquals, assertEquals } from "../assert.ts";
import { DENO_ASSETS, startTrainer } from "../../app/cli/trainer_client.ts";
import { TrainerSession } from "../../core/train/session.ts";
import { configFromJson, parameterShapes } from "../../models/qwen2_vl/mod.ts";
import { readSafetensors } from "../../models/safetensors.ts";
import type { Metrics } from "../../core/grpo/step_metrics.ts";
import { testConfig } from "../helpers/tiny_lab.ts";

const config = testConfig({
  model: "tiny",
  task: "count",
  backend: "wasm",
  seed: 2,
  image_size: 56,
  per_device_train_batch_size: 2,
  num_generations: 2,
  max_steps: 2,
  learning_rate: 3e-3,
  lr_scheduler_type: "constant",
  warmup_ratio: 0,
  max_completion_length: 6,
});

/** The same two steps in this isolate, for comparison. */
async function inProcessSteps(): Promise<Metrics[]> {
  const session = new TrainerSession();
  try {
    await session.init(config, DENO_ASSETS);
    return [await session.sftStep(), await session.sftStep()];
  } finally {
    await session.dispose();
  }
}

Deno.test("the trainer worker inits on wasm, trains 2 steps, evaluates and saves a readable checkpoint", async () => {
  const trainer = startTrainer();
  try {
    const info = await trainer.api.init(config, DENO_ASSETS);
    assertEquals(info.backend, "wasm");
    assertEquals(info.backendNote, "backend: wasm (requested)");
    assertEquals(info.weights, "fresh init (seed 2)");
    assert(info.parameters > 100_000 && info.vocabSize > 100, JSON.stringify(info));

    const steps = [await trainer.api.sftStep(), await trainer.api.sftStep()];
    assertEquals(steps.map((m) => m.step), [1, 2]);
    for (const m of steps) {
      for (const [name, v] of Object.entries(m)) assert(Number.isFinite(v), `${name} = ${v}`);
    }
    // The config and the seeded data cross the worker boundary intact: same numbers as in-process.
    const local = await inProcessSteps();
    for (const i of [0, 1]) {
      assertAlmostEquals(steps[i].loss, local[i].loss, 1e-6, `step ${i + 1} loss`);
      assertAlmostEquals(steps[i].grad_norm, local[i].grad_norm, 1e-5, `step ${i + 1} grad_norm`);
      assertEquals(steps[i].tokens, local[i].tokens);
    }

    const progress: [number, number][] = [];
    const report = await trainer.api.evaluate(
      { task: "count", n: 4, seed: 0, batchSize: 2 },
      Comlink.proxy((done: number, total: number) => void progress.push([done, total])),
    );
    assertEquals(report.n, 4);
    assertEquals(report.predictions.length, 4);
    assertEquals(report.predictions.map((p) => p.id), [0, 1, 2, 3].map((i) => `count-1000000-${i}`));
    assertEquals(Object.keys(report.summary), ["count"]);
    assertEquals(report.summary.count.n, 4);
    for (const p of report.predictions) {
      assert(p.format === 0 || p.format === 1, `format ${p.format}`);
      assert(p.accuracy >= 0 && p.accuracy <= 1, `accuracy ${p.accuracy}`);
    }
    // max_completion_length 6 bounds the generated tokens.
    assert(report.tokens >= 4 && report.tokens <= 4 * 6, `tokens ${report.tokens}`);
    // One progress call per generation batch of 2, through the comlink callback proxy.
    assertEquals(progress, [[2, 4], [4, 4]]);

    const files = await trainer.api.saveCheckpoint();
    const modelConfig = configFromJson(JSON.parse(files.configJson));
    const { tensors, metadata } = readSafetensors(files.safetensors);
    assertEquals(metadata, { format: "pt", step: "2" });
    const expected = parameterShapes(modelConfig);
    assertEquals([...tensors.keys()].sort(), [...expected.keys()].sort());
    for (const [name, shape] of expected) assertEquals(tensors.get(name)!.shape, shape, name);
    assert(tensors.has("model.embed_tokens.weight") && tensors.has("visual.patch_embed.proj.weight"));
    assertEquals(tensors.get("model.embed_tokens.weight")!.shape, [info.vocabSize, 64]);
    for (const t of tensors.values()) assert(t.data.every(Number.isFinite));
  } finally {
    await trainer.close();
  }
});

Deno.test("the trainer worker streams a picked folder's Blobs, a folder path and the bytes to the same weights", async () => {
  const dir = new URL("../../public/checkpoints/tiny-sft/", import.meta.url).pathname.replace(/\/$/, "");
  const configJson = await Deno.readTextFile(`${dir}/config.json`);
  const safetensors = await Deno.readFile(`${dir}/model.safetensors`);
  // As a browser's folder picker gives them: File objects by name.
  const blobs = new Map<string, Blob>([
    ["config.json", new Blob([configJson])],
    ["model.safetensors", new Blob([safetensors])],
  ]);
  const saved: Uint8Array[] = [];
  for (
    const weights of [{ blobs, label: "tiny-sft", configJson }, { folder: dir, configJson }, {
      configJson,
      safetensors,
    }]
  ) {
    const trainer = startTrainer();
    try {
      const info = await trainer.api.init({ ...config, model: "auto" }, DENO_ASSETS, weights);
      assertEquals(info.weights, "weights from checkpoint");
      saved.push((await trainer.api.saveCheckpoint()).safetensors);
    } finally {
      await trainer.close();
    }
  }
  assertEquals(saved[0], saved[2]);
  assertEquals(saved[1], saved[2]);
  // And they are the shipped weights themselves (the saved file's header differs: its own metadata).
  assertEquals(readSafetensors(saved[2]).tensors, readSafetensors(safetensors).tensors);
});
