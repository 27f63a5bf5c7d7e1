/**
 * deno task bench: per backend, one table of generation tokens/s with and without the KV cache, SFT step
 * time and tokens/s, and the live tensor count before and after the SFT steps; a second table of the GRPO
 * step: rollout tokens/s, update and whole-step time, the step's shares spent in rollout, reward and
 * update, and the live tensor count before and after the GRPO steps; then every reward's worst time on
 * adversarial completions and its typical time (app/cli/bench_rewards.ts). Each backend runs in its own process
 * (a tfjs backend and its device belong to one process), all in this one run, so the ratios compare like
 * with like.
 *
 *   deno task bench [--backends wasm,webgpu,cpu] [--steps N] [--json FILE]
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../core/backend.ts";
import { parseConfig, type RunConfig } from "../../core/config/mod.ts";
import { makeSample, splitSeed } from "../../core/data/registry.ts";
import { normalStream, Rng } from "../../core/random.ts";
import { generate } from "../../core/rollout/generate.ts";
import { loadTextPipeline } from "../../core/text/pipeline.ts";
import { taskVocabulary } from "../../core/text/vocabulary.ts";
import { TrainerSession } from "../../core/train/session.ts";
import { tiny } from "../../models/qwen2_vl/configs.ts";
import { Qwen2VLModel } from "../../models/qwen2_vl/model.ts";
import type { InitInfo } from "../../core/train/init_info.ts";
import { rewardTable, timeRewards } from "./bench_rewards.ts";
import { DENO_ASSETS } from "./trainer_client.ts";
import { parseArgsOrExit } from "./args.ts";

/** Prompts x completions per prompt in the generation benchmark, and tokens per completion. */
const GEN_PROMPTS = 4;
const GEN_G = 2;
const GEN_TOKENS = 32;
/** SFT samples per step. */
const SFT_BATCH = 8;
/**
 * GRPO step: prompts x completions per prompt, at most GEN_TOKENS tokens each; beta > 0 so the frozen
 * reference model's log-probs are part of the timed step.
 */
const GRPO_PROMPTS = 2;
const GRPO_G = 4;
const GRPO_BETA = 0.04;

interface BackendResult {
  backend: string;
  adapter: string;
  gen_cached_tokens_per_s: number;
  gen_uncached_tokens_per_s: number;
  sft_step_ms: number;
  sft_tokens_per_s: number;
  sft_tensors_before: number;
  sft_tensors_after: number;
  /** Generated tokens over the summed rollout time of the timed GRPO steps. */
  grpo_rollout_tokens_per_s: number;
  /** Mean tokens per completion (completions may stop before GEN_TOKENS), over the timed steps. */
  grpo_mean_length: number;
  /** Mean per timed step: the policy update stage, and the whole grpoStep() call. */
  grpo_update_s: number;
  grpo_step_s: number;
  /**
   * Summed stage time / summed step time. The reward time runs from the end of the rollout until the
   * scores arrive, overlapping the old/ref log-probs, so the shares need not add up to 1.
   */
  grpo_rollout_share: number;
  grpo_reward_share: number;
  grpo_update_share: number;
  grpo_tensors_before: number;
  grpo_tensors_after: number;
}

type Backend = "webgpu" | "wasm" | "cpu";

/** SFT through the same session the worker runs: 1 warm-up step (shader compilation, wasm start-up). */
async function measureSft(backend: Backend, steps: number) {
  const { config } = parseConfig([
    { source: "bench", values: { backend, per_device_train_batch_size: SFT_BATCH } },
  ]);
  const session = new TrainerSession();
  const info = await session.init(config, DENO_ASSETS);
  await session.sftStep();
  const tensorsBefore = await session.numTensors();
  let tokens = 0;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) tokens += (await session.sftStep()).tokens;
  const seconds = (performance.now() - t0) / 1000;
  const tensorsAfter = await session.numTensors();
  await session.dispose();
  return { info, config, seconds, tokens, tensorsBefore, tensorsAfter };
}

/**
 * GRPO steps through the same session, 1 warm-up step first. The step's wall time is taken around each
 * whole grpoStep() call; the stage times come from its metrics.
 */
async function measureGrpo(backend: Backend, steps: number) {
  const { config } = parseConfig([{
    source: "bench",
    values: {
      backend,
      per_device_train_batch_size: GRPO_PROMPTS,
      num_generations: GRPO_G,
      max_completion_length: GEN_TOKENS,
      beta: GRPO_BETA,
    },
  }]);
  const session = new TrainerSession();
  await session.init(config, DENO_ASSETS);
  await session.grpoStep();
  const tensorsBefore = await session.numTensors();
  const sum = { step: 0, rollout: 0, reward: 0, update: 0, tokens: 0, meanLength: 0 };
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    const { metrics: m } = await session.grpoStep();
    sum.step += (performance.now() - t0) / 1000;
    sum.rollout += m["time/rollout_s"];
    sum.reward += m["time/reward_s"];
    sum.update += m["time/update_s"];
    sum.meanLength += m["completions/mean_length"];
    // throughput x rollout time = the rollout's generated tokens.
    sum.tokens += m["throughput/rollout_tokens_per_s"] * m["time/rollout_s"];
  }
  const tensorsAfter = await session.numTensors();
  await session.dispose();
  return { sum, tensorsBefore, tensorsAfter };
}

/** Generation: fixed-length completions (no stop token) so both variants emit the same token count. */
async function measureGeneration(backend: Backend, sampling: RunConfig) {
  await initBackend({ override: backend, log: () => {} });
  const text = await loadTextPipeline({ modelBase: new URL("models/", DENO_ASSETS.publicBase) });
  const model = Qwen2VLModel.init(tiny(taskVocabulary(text)), normalStream(0));
  const prompts = await Promise.all(
    Array.from(
      { length: GEN_PROMPTS },
      (_, i) => text.encodePrompt(makeSample("count", splitSeed("eval"), i), { imageSize: 112 }),
    ),
  );
  const run = async (useCache: boolean) => {
    const start = performance.now();
    const out = await generate(model, {
      prompts,
      numGenerations: GEN_G,
      sampling,
      maxCompletionLength: GEN_TOKENS,
      stopIds: [],
      padId: text.ids.pad,
      rng: new Rng(0),
      useCache,
    });
    return out.generatedTokens / ((performance.now() - start) / 1000);
  };
  await run(true); // warm-up
  const cached = await run(true);
  const uncached = await run(false);
  model.dispose();
  return { cached, uncached };
}

function adapterName(backend: Backend, info: InitInfo): string {
  return backend === "webgpu" && info.adapter
    ? `${info.adapter}${info.softwareAdapter ? " (software)" : ""}`
    : "-";
}

async function measure(backend: Backend, steps: number): Promise<BackendResult> {
  const sft = await measureSft(backend, steps);
  const grpo = await measureGrpo(backend, steps);
  const gen = await measureGeneration(backend, sft.config);
  const g = grpo.sum;
  return {
    backend,
    adapter: adapterName(backend, sft.info),
    gen_cached_tokens_per_s: gen.cached,
    gen_uncached_tokens_per_s: gen.uncached,
    sft_step_ms: (1000 * sft.seconds) / steps,
    sft_tokens_per_s: sft.tokens / sft.seconds,
    sft_tensors_before: sft.tensorsBefore,
    sft_tensors_after: sft.tensorsAfter,
    grpo_rollout_tokens_per_s: g.tokens / g.rollout,
    grpo_mean_length: g.meanLength / steps,
    grpo_update_s: g.update / steps,
    grpo_step_s: g.step / steps,
    grpo_rollout_share: g.rollout / g.step,
    grpo_reward_share: g.reward / g.step,
    grpo_update_share: g.update / g.step,
    grpo_tensors_before: grpo.tensorsBefore,
    grpo_tensors_after: grpo.tensorsAfter,
  };
}

/** Columns padded to their widest cell, separated by " | ", under a dashed rule. */
function formatTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(" | ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)];
}

/** "before -> after", flagged when the count grew over the timed steps. */
function tensorCell(before: number, after: number): string {
  return `${before} -> ${after}${after > before ? " LEAK" : ""}`;
}

const percent = (share: number) => `${(100 * share).toFixed(0)}%`;

function table(results: BackendResult[], steps: number): string {
  const out = formatTable(
    [
      "backend",
      "adapter",
      "gen tok/s (cache)",
      "gen tok/s (no cache)",
      "cache speed-up",
      `sft ms/step (${steps})`,
      "sft tok/s",
      "tensors before -> after",
    ],
    results.map((r) => [
      r.backend,
      r.adapter,
      r.gen_cached_tokens_per_s.toFixed(0),
      r.gen_uncached_tokens_per_s.toFixed(0),
      `${(r.gen_cached_tokens_per_s / r.gen_uncached_tokens_per_s).toFixed(2)}x`,
      r.sft_step_ms.toFixed(0),
      r.sft_tokens_per_s.toFixed(0),
      tensorCell(r.sft_tensors_before, r.sft_tensors_after),
    ]),
  );
  out.push(
    "",
    `GRPO step: ${GRPO_PROMPTS} prompts x ${GRPO_G} completions x <= ${GEN_TOKENS} tokens, beta ${GRPO_BETA}; ` +
      "shares of the step (reward overlaps the old/ref log-probs)",
    ...formatTable(
      [
        "backend",
        "rollout tok/s",
        "mean length",
        "update s",
        `step s (${steps})`,
        "rollout",
        "reward",
        "update",
        "tensors before -> after",
      ],
      results.map((r) => [
        r.backend,
        r.grpo_rollout_tokens_per_s.toFixed(0),
        r.grpo_mean_length.toFixed(1),
        r.grpo_update_s.toFixed(2),
        r.grpo_step_s.toFixed(2),
        percent(r.grpo_rollout_share),
        percent(r.grpo_reward_share),
        percent(r.grpo_update_share),
        tensorCell(r.grpo_tensors_before, r.grpo_tensors_after),
      ]),
    ),
  );
  const base = results.find((r) => r.backend === "wasm");
  if (base) {
    for (const r of results.filter((r) => r !== base)) {
      out.push(
        `${r.backend} vs wasm: generation ${
          (r.gen_cached_tokens_per_s / base.gen_cached_tokens_per_s).toFixed(2)
        }x, ` +
          `sft ${(r.sft_tokens_per_s / base.sft_tokens_per_s).toFixed(2)}x, ` +
          `grpo step ${(base.grpo_step_s / r.grpo_step_s).toFixed(2)}x`,
      );
    }
  }
  return out.join("\n");
}

const { values } = parseArgsOrExit({
  name: "bench",
  summary: "generation, SFT and GRPO step speed and live tensors per backend, and the rewards' times",
  values: {
    "--steps": { arg: "N", doc: "SFT and GRPO steps timed per backend (default 5)" },
    "--backends": { arg: "a,b", doc: "backends to measure, each in a child process (default wasm,webgpu)" },
    "--json": { arg: "FILE", doc: "also write every number as JSON to FILE" },
    "--one": { arg: "BACKEND", doc: "measure one backend in this process and print JSON (the child's side)" },
  },
  sharedFlags: false,
  config: false,
});
const flag = (name: string, fallback: string) => values.get(name)?.[0] ?? fallback;
const steps = Number(flag("--steps", "5"));
if (!Number.isInteger(steps) || steps < 1) {
  console.error(`error: --steps must be a whole number >= 1, got "${flag("--steps", "")}"`);
  Deno.exit(2);
}
const one = flag("--one", "");
if (one) {
  // Child process: one backend, result as JSON on stdout.
  const result = await measure(one as Backend, steps);
  console.log(JSON.stringify(result));
  tf.disposeVariables();
} else {
  const backends = flag("--backends", "wasm,webgpu").split(",");
  if (!backends.includes("cpu")) {
    console.error(
      "bench: the cpu backend is left out by default (about 10 s per SFT step); --backends wasm,webgpu,cpu adds it",
    );
  }
  console.error(
    `bench: tiny model; generation ${GEN_PROMPTS} prompts x ${GEN_G} completions x ${GEN_TOKENS} tokens; ` +
      `SFT batch ${SFT_BATCH}; GRPO ${GRPO_PROMPTS} prompts x ${GRPO_G} completions, beta ${GRPO_BETA}; ` +
      `${steps} timed steps after 1 warm-up each; backends ${backends.join(", ")}`,
  );
  const results: BackendResult[] = [];
  for (const backend of backends) {
    console.error(`bench: ${backend} ...`);
    const child = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname, "--one", backend, "--steps", String(steps)],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    if (!child.success) throw new Error(`bench: the ${backend} run failed (exit ${child.code})`);
    const lines = new TextDecoder().decode(child.stdout).trim().split("\n");
    results.push(JSON.parse(lines[lines.length - 1]));
  }
  console.log(table(results, steps));
  const rewards = await timeRewards();
  console.log(`\n${rewardTable(rewards)}`);
  const json = flag("--json", "");
  if (json) await Deno.writeTextFile(json, JSON.stringify({ backends: results, rewards }, null, 2) + "\n");
}
