/**
 * TrainerSession: the object the trainer worker exposes (checked there against workers/api.ts's TrainerApi). It owns the backend, the text
 * pipeline, the model and the optimizer; each method is one front-end request.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.ts";
import { type DeviceWatch, duringGpuWork, loseDevice, watchDevice } from "../device_loss.ts";
import type { RunConfig } from "../config/fields.ts";
import { makeSample, splitSeed } from "../data/registry.ts";
import type { Sample } from "../data/sample.ts";
import { openRunDataset, type RunDataset } from "../data/datasets/run_data.ts";
import { blobFiles, urlFiles } from "../data/datasets/files.ts";
import { loadFolderTextPipeline, loadTextPipeline, type TextPipeline } from "../text/pipeline.ts";
import { taskVocabulary } from "../text/vocabulary.ts";
import { tiny } from "../../models/qwen2_vl/configs.ts";
import { parameterCount } from "../../models/qwen2_vl/params.ts";
import { Qwen2VLModel, UNCHECKED_IMAGE_COUNT } from "../../models/qwen2_vl/model.ts";
import {
  isCheckpointFolder,
  loadStartingWeights,
  modelToSafetensors,
  type StartingWeights,
} from "../../models/qwen2_vl/checkpoint.ts";
import { refuseOversizedStep } from "./memory_check.ts";
import { AdamW, adamWOptions, clipAndStep } from "./optimizer.ts";
import { makeSchedule } from "./schedule.ts";
import { accumulateGradients, sftGradients } from "./sft.ts";
import { evaluateSamples } from "../eval/evaluate.ts";
import { grpoStep } from "../grpo/step.ts";
import { normalStream, Rng } from "../random.ts";
import {
  absoluteSpec,
  closeRewards,
  type LoadedReward,
  loadRewardSet,
  rewardNotes,
  type RewardSetSpec,
  rewardSpecOf,
} from "../rewards/reward_set.ts";
import type { OpenCustomReward } from "../rewards/definition.ts";
import { cwdUrl, inThreadScorer, type RewardScorer } from "../rewards/scorer.ts";
import { readSafetensors, writeSafetensors } from "../../models/safetensors.ts";
import type { EvalOptions, EvalReport } from "../eval/evaluate.ts";
import type { GrpoStepReport, Metrics } from "../grpo/step_metrics.ts";
import type { Assets, InitInfo } from "./init_info.ts";
import type { CheckpointFiles, ResumeState, TrainProgress, TrainState } from "./train_state.ts";
import { Notes } from "../notes.ts";

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
  /** GRPO: the frozen starting policy (beta > 0), the rollout sampler, the reward weights in force. */
  refModel?: Qwen2VLModel;
  rng: Rng;
  rewardWeights: number[];
  /** The rewards of config.reward_funcs, resolved (and so checked) at init. */
  rewards: LoadedReward[];
  /** The reward part of the config, custom module paths made absolute. */
  rewardSpec: RewardSetSpec;
  /** The run's one "say once": init's lines, the rewards', each handed to the front end once. */
  notes: Notes;
  /** config.dataset, opened and checked; absent on the synthetic tasks. */
  data?: RunDataset;
}

/** Salt of the rollout sampler's stream, so that it never replays the data generator's draws. */
const ROLLOUT_RNG_SALT = 0x5eed;

export interface TrainerSessionOptions {
  /** Where GRPO's rewards are computed; default: on the trainer's own thread. */
  makeScorer?: () => RewardScorer;
  /** Where relative custom_rewards paths resolve; default: the working directory. */
  rewardBase?: URL;
  /** Runs each custom reward in a sandbox (workers/custom_reward.ts); without it custom rewards fail. */
  openCustomReward?: OpenCustomReward;
}

export class TrainerSession {
  #ready?: Ready;
  readonly #makeScorer: () => RewardScorer;
  readonly #rewardBase: URL;
  readonly #openCustom?: OpenCustomReward;
  #scorer?: RewardScorer;
  /** The webgpu device's loss, watched from init(); null on wasm and cpu. */
  #device: DeviceWatch | null = null;

  constructor(options: TrainerSessionOptions = {}) {
    this.#makeScorer = options.makeScorer ?? (() => inThreadScorer(this.#rewardBase, this.#openCustom));
    this.#rewardBase = options.rewardBase ?? cwdUrl();
    this.#openCustom = options.openCustomReward;
  }

  get #state(): Ready {
    if (!this.#ready) throw new Error("the trainer is not initialised: call init() first");
    return this.#ready;
  }

  async init(
    config: RunConfig,
    assets: Assets,
    checkpoint?: StartingWeights,
    resume?: ResumeState,
    dataFiles?: ReadonlyMap<string, Blob>,
  ): Promise<InitInfo> {
    await closeRewards(this.#ready?.rewards ?? []);
    this.#disposeModels();
    // Unknown names, bad options and unloadable custom modules fail here, before any model is built. A
    // custom module is imported only in its sandboxed worker, never on this thread.
    const rewardSpec = absoluteSpec(rewardSpecOf(config), this.#rewardBase);
    const rewards = await loadRewardSet(rewardSpec, this.#rewardBase, this.#openCustom);
    const choice = await initBackend({
      override: config.backend,
      wasmPaths: assets.wasmBase,
      log: () => {},
    });
    this.#device = watchDevice();
    // One Notes per run. Said on every start and resume: a run folder from someone else runs its custom
    // modules again.
    const notes = new Notes();
    // A model folder's own tokenizer, chat template and image processor, where it has them.
    const builtInText = { modelBase: new URL("models/", assets.publicBase) };
    const folder = checkpoint && isCheckpointFolder(checkpoint) ? checkpoint.folder : undefined;
    const text = folder
      ? await loadFolderTextPipeline(folder, builtInText, (line) => notes.say(line))
      : await loadTextPipeline(builtInText);
    for (const line of rewardNotes(rewards)) notes.say(line);
    if (choice.backend === "webgpu") notes.say(UNCHECKED_IMAGE_COUNT);
    // A checkpoint is checked as it loads (each error names its file), and must be the model=NAME given.
    // A folder is streamed from disk here, in the worker; bytes (the lab's) are read as they are.
    const load = async (weights: StartingWeights, what: string) => {
      const loaded = await loadStartingWeights(weights, what, config.model, taskVocabulary(text));
      for (const line of loaded.notes) notes.say(line);
      return loaded.model;
    };
    const start = async (): Promise<Qwen2VLModel> => {
      if (checkpoint) return await load(checkpoint, "checkpoint");
      if (config.model !== "tiny" && config.model !== "auto") {
        throw new Error(
          `model=${config.model}: only "tiny" can start from a fresh init; give model_name_or_path=FOLDER`,
        );
      }
      return Qwen2VLModel.init(tiny(taskVocabulary(text)), normalStream(config.seed));
    };
    // Before any model is built: a batch that cannot fit would otherwise grow until the process dies.
    await refuseOversizedStep(config, text, resume?.model ?? checkpoint, taskOf(config.task, 0));
    const model = resume ? await load(resume.model, "resumed") : await start();
    const weights = resume
      ? "weights from the resumed run"
      : checkpoint
      ? "weights from checkpoint"
      : `fresh init (seed ${config.seed})`;
    // The reference is the starting policy, also on resume; it only exists when the KL term is on.
    // A fresh run's reference is the model just built; a resumed run's is the start it was resumed from.
    const refModel = config.beta > 0 ? (resume ? await start() : model.copy()) : undefined;
    if (refModel) {
      notes.say(`beta = ${config.beta}: a frozen copy of the starting policy is the KL reference`);
    }
    const data = config.dataset
      ? await openRunDataset(
        config,
        text,
        dataFiles ? blobFiles(dataFiles) : urlFiles(this.#rewardBase),
        model.config.vocab_ids,
      )
      : undefined;
    for (const line of data?.notes ?? []) notes.say(line);
    const variables = model.trainableVariables({ freezeVision: config.freeze_vision_modules });
    const names = new Map([...model.params].map(([name, v]) => [v, name]));
    const optimizer = new AdamW(
      new Map(variables.map((v) => [names.get(v)!, v])),
      adamWOptions(config),
    );
    let step = 0;
    let rng = new Rng(config.seed).fork(ROLLOUT_RNG_SALT);
    let rewardWeights = config.reward_weights.length > 0
      ? [...config.reward_weights]
      : config.reward_funcs.map(() => 1);
    if (resume) {
      const progress = JSON.parse(resume.progressJson) as TrainProgress;
      optimizer.importState(Object.fromEntries(readSafetensors(resume.optimizer).tensors));
      step = progress.step;
      rng = Rng.fromState(progress.rngState);
      rewardWeights = progress.rewardWeights;
      notes.say(`resuming at step ${step}`);
    }
    this.#ready = {
      config,
      text,
      model,
      optimizer,
      schedule: makeSchedule(config),
      variables,
      step,
      refModel,
      rng,
      rewardWeights,
      rewards,
      rewardSpec,
      notes,
      data,
    };
    return {
      backend: choice.backend,
      adapter: choice.adapter?.description ?? "",
      softwareAdapter: choice.adapter?.software ?? false,
      backendNote: `backend: ${choice.backend} (${choice.reason})`,
      parameters: parameterCount(model.config),
      vocabSize: model.config.vocab_size,
      weights,
      notes: notes.take(),
    };
  }

  async grpoStep(): Promise<GrpoStepReport> {
    const s = this.#state;
    this.#scorer ??= this.#makeScorer();
    // setRewardWeights() replaces the array, so a change during this step applies from the next one.
    const rewardWeights = s.rewardWeights;
    const step = grpoStep({
      config: s.config,
      text: s.text,
      model: s.model,
      refModel: s.refModel,
      optimizer: s.optimizer,
      variables: s.variables,
      schedule: s.schedule,
      rng: s.rng,
      scorer: this.#scorer,
      rewards: s.rewards,
      rewardSpec: s.rewardSpec,
      rewardWeights,
      taskOf: (i) => taskOf(s.config.task, i),
      sampleAt: s.data && ((i) => s.data!.sample("train", i)),
      notes: s.notes,
    }, s.step);
    const result = await duringGpuWork(this.#device, `step ${s.step + 1}`, step);
    s.step++;
    return { ...result, said: s.notes.take(), rewardWeights: [...rewardWeights] };
  }

  setRewardWeights(weights: number[]): Promise<void> {
    const s = this.#state;
    const names = s.config.reward_funcs;
    if (weights.length !== names.length || !weights.every(Number.isFinite)) {
      throw new Error(
        `setRewardWeights(): need ${names.length} finite weights (${names.join(", ")}), got [${weights}]`,
      );
    }
    s.rewardWeights = [...weights];
    return Promise.resolve();
  }

  async saveTrainState(): Promise<TrainState> {
    const s = this.#state;
    const moments = await duringGpuWork(this.#device, "a save", s.optimizer.exportState());
    const progress: TrainProgress = {
      step: s.step,
      rngState: s.rng.state,
      rewardWeights: s.rewardWeights,
      config: s.config,
    };
    return {
      model: await this.saveCheckpoint(),
      optimizer: writeSafetensors(new Map(Object.entries(moments)), { step: String(s.step) }),
      progressJson: JSON.stringify(progress, null, 2),
    };
  }

  #disposeModels(): void {
    this.#ready?.model.dispose();
    this.#ready?.refModel?.dispose();
    this.#ready?.optimizer.dispose();
    this.#ready = undefined;
  }

  async sftStep(): Promise<Metrics> {
    return await duringGpuWork(this.#device, `SFT step ${this.#state.step + 1}`, this.#sftStep());
  }

  async #sftStep(): Promise<Metrics> {
    const s = this.#state;
    const { config } = s;
    const t0 = performance.now();
    const accum = config.gradient_accumulation_steps;
    const batches = [];
    for (let micro = 0; micro < accum; micro++) {
      const first = (s.step * accum + micro) * config.per_device_train_batch_size;
      const samples = await Promise.all(Array.from(
        { length: config.per_device_train_batch_size },
        (_, i) =>
          s.data?.sample("train", first + i) ??
            makeSample(taskOf(config.task, first + i), splitSeed("train", config.seed), first + i),
      ));
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
    const gradNorm = await clipAndStep(s.optimizer, total, config.max_grad_norm, lr);
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
    return await duringGpuWork(this.#device, "evaluation", this.#evaluate(options, onProgress));
  }

  async #evaluate(
    options: EvalOptions,
    onProgress?: (done: number, total: number) => void,
  ): Promise<EvalReport> {
    const s = this.#state;
    const samples: Sample[] = await Promise.all(Array.from(
      { length: s.data ? Math.min(options.n, s.data.eval.length) : options.n },
      (_, i) =>
        s.data?.sample("eval", i) ?? makeSample(taskOf(options.task, i), splitSeed("eval", options.seed), i),
    ));
    return await evaluateSamples(s.model, s.text, samples, s.config, options.batchSize, s.notes, onProgress);
  }

  async saveCheckpoint(): Promise<CheckpointFiles> {
    const s = this.#state;
    const safetensors = await duringGpuWork(
      this.#device,
      "a save",
      modelToSafetensors(s.model, { step: String(s.step) }),
    );
    return { configJson: JSON.stringify(s.model.config, null, 2), safetensors };
  }

  debugLoseDevice(): Promise<string> {
    return loseDevice();
  }

  numTensors(): Promise<number> {
    return Promise.resolve(tf.memory().numTensors);
  }

  async dispose(): Promise<void> {
    await closeRewards(this.#ready?.rewards ?? []);
    this.#disposeModels();
    await this.#scorer?.close();
    this.#scorer = undefined;
  }
}
