/**
 * TrainerSession: the object the trainer worker exposes (workers/api.ts). It owns the backend, the text
 * pipeline, the model and the optimizer; each method is one front-end request.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.ts";
import type { RunConfig } from "../config/fields.ts";
import { makeSample, splitSeed } from "../data/registry.ts";
import type { Sample } from "../data/sample.ts";
import { loadTextPipeline, type TextPipeline } from "../text/pipeline.ts";
import { taskVocabulary } from "../text/vocabulary.ts";
import { configFromJson, tiny } from "../../models/qwen2_vl/configs.ts";
import { parameterCount } from "../../models/qwen2_vl/params.ts";
import { Qwen2VLModel } from "../../models/qwen2_vl/model.ts";
import { modelFromSafetensors, modelToSafetensors } from "../../models/qwen2_vl/checkpoint.ts";
import { AdamW, adamWOptions, clipGradNorm } from "./optimizer.ts";
import { makeSchedule } from "./schedule.ts";
import { accumulateGradients, sftGradients } from "./sft.ts";
import { evaluateSamples } from "../eval/evaluate.ts";
import type {
  Assets,
  CheckpointFiles,
  EvalOptions,
  EvalReport,
  InitInfo,
  Metrics,
  TrainerApi,
} from "../../workers/api.ts";

/** The synthetic tasks a "mixed" run cycles through. */
export const MIXED_TASKS = ["count", "attribute", "grounding", "tiny"] as const;

/** The task of the i-th sample of a run on `task`. */
export function taskOf(task: RunConfig["task"], i: number): string {
  return task === "mixed" ? MIXED_TASKS[i % MIXED_TASKS.length] : task;
}

interface Ready {
  config: RunConfig;
  text: TextPipeline;
  model: Qwen2VLModel;
  optimizer: AdamW;
  schedule: (step: number) => number;
  variables: tf.Variable[];
  step: number;
}

export class TrainerSession implements TrainerApi {
  #ready?: Ready;

  get #state(): Ready {
    if (!this.#ready) throw new Error("the trainer is not initialised: call init() first");
    return this.#ready;
  }

  async init(config: RunConfig, assets: Assets, checkpoint?: CheckpointFiles): Promise<InitInfo> {
    this.#ready?.model.dispose();
    this.#ready?.optimizer.dispose();
    const choice = await initBackend({
      override: config.backend,
      wasmPaths: assets.wasmBase,
      log: () => {},
    });
    const text = await loadTextPipeline({ modelBase: new URL("models/", assets.publicBase) });
    let model: Qwen2VLModel;
    let weights: string;
    if (checkpoint) {
      model = modelFromSafetensors(configFromJson(JSON.parse(checkpoint.configJson)), checkpoint.safetensors);
      weights = "weights from checkpoint";
    } else {
      if (config.model !== "tiny") {
        throw new Error(`model=${config.model}: only "tiny" can start from a fresh init; give a checkpoint`);
      }
      model = Qwen2VLModel.init(tiny(taskVocabulary(text)), config.seed);
      weights = `fresh init (seed ${config.seed})`;
    }
    const variables = model.trainableVariables({ freezeVision: config.freeze_vision_modules });
    const names = new Map([...model.params].map(([name, v]) => [v, name]));
    const optimizer = new AdamW(
      new Map(variables.map((v) => [names.get(v)!, v])),
      adamWOptions(config),
    );
    this.#ready = { config, text, model, optimizer, schedule: makeSchedule(config), variables, step: 0 };
    return {
      backend: choice.backend,
      adapter: choice.adapter?.description ?? "",
      softwareAdapter: choice.adapter?.software ?? false,
      backendNote: `backend: ${choice.backend} (${choice.reason})`,
      parameters: parameterCount(model.config),
      vocabSize: model.config.vocab_size,
      weights,
    };
  }

  async sftStep(): Promise<Metrics> {
    const s = this.#state;
    const { config } = s;
    const t0 = performance.now();
    const accum = config.gradient_accumulation_steps;
    const batches = [];
    for (let micro = 0; micro < accum; micro++) {
      const first = (s.step * accum + micro) * config.per_device_train_batch_size;
      const samples = Array.from(
        { length: config.per_device_train_batch_size },
        (_, i) => makeSample(taskOf(config.task, first + i), splitSeed("train", config.seed), first + i),
      );
      batches.push({
        prompts: await Promise.all(
          samples.map((x) => s.text.encodePrompt(x, { imageSize: config.image_size })),
        ),
        completions: samples.map((x) => s.text.encodeCompletion(x.reference, { end: true })),
      });
    }
    // Each micro-batch's mean loss weighted by its share of the step's completion tokens, so that the
    // accumulated gradient is the gradient of the mean over all of them (as one big batch would give).
    const tokens = batches.reduce((n, b) => n + b.completions.reduce((m, c) => m + c.length, 0), 0);
    const total: tf.NamedTensorMap = {};
    let loss = 0;
    for (const batch of batches) {
      const out = await sftGradients(s.model, batch, s.variables, s.text.ids.pad);
      accumulateGradients(total, out.grads, out.tokens / tokens);
      loss += (out.loss * out.tokens) / tokens;
    }
    const lr = s.schedule(s.step);
    const grads = new Map(Object.entries(total));
    const clipped = config.max_grad_norm > 0 ? clipGradNorm(grads, config.max_grad_norm) : undefined;
    const gradNorm = clipped ? (await clipped.norm.data())[0] : NaN;
    s.optimizer.step(clipped?.grads ?? grads, lr);
    for (const g of grads.values()) g.dispose();
    if (clipped) {
      for (const g of clipped.grads.values()) g.dispose();
      clipped.norm.dispose();
    }
    s.step++;
    const seconds = (performance.now() - t0) / 1000;
    return {
      step: s.step,
      loss,
      grad_norm: gradNorm,
      learning_rate: lr,
      tokens,
      "time/step_s": seconds,
      "throughput/tokens_per_s": tokens / seconds,
    };
  }

  async evaluate(
    options: EvalOptions,
    onProgress?: (done: number, total: number) => void,
  ): Promise<EvalReport> {
    const s = this.#state;
    const samples: Sample[] = Array.from(
      { length: options.n },
      (_, i) => makeSample(taskOf(options.task, i), splitSeed("eval", options.seed), i),
    );
    return await evaluateSamples(s.model, s.text, samples, s.config, options.batchSize, onProgress);
  }

  async saveCheckpoint(): Promise<CheckpointFiles> {
    const s = this.#state;
    const safetensors = await modelToSafetensors(s.model, { step: String(s.step) });
    return { configJson: JSON.stringify(s.model.config, null, 2), safetensors };
  }

  numTensors(): Promise<number> {
    return Promise.resolve(tf.memory().numTensors);
  }

  dispose(): Promise<void> {
    this.#ready?.model.dispose();
    this.#ready?.optimizer.dispose();
    this.#ready = undefined;
    return Promise.resolve();
  }
}
