/**
 * deno task bench: one table of generation tokens/s with and without the KV cache, SFT step time and
 * tokens/s, and the live tensor count before and after the SFT steps, for each backend. Each backend
 * runs in its own process (a tfjs backend and its device belong to one process), all in this one run,
 * so the ratios compare like with like.
 *
 *   deno task bench [--backends wasm,webgpu,cpu] [--steps N] [--json FILE]
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../core/backend.ts";
import { parseConfig } from "../../core/config/mod.ts";
import { makeSample, splitSeed } from "../../core/data/registry.ts";
import { Rng } from "../../core/random.ts";
import { generate } from "../../core/rollout/generate.ts";
import { loadTextPipeline } from "../../core/text/pipeline.ts";
import { taskVocabulary } from "../../core/text/vocabulary.ts";
import { TrainerSession } from "../../core/train/session.ts";
import { tiny } from "../../models/qwen2_vl/configs.ts";
import { Qwen2VLModel } from "../../models/qwen2_vl/model.ts";
import { DENO_ASSETS } from "./trainer_client.ts";

/** Prompts x completions per prompt in the generation benchmark, and tokens per completion. */
const GEN_PROMPTS = 4;
const GEN_G = 2;
const GEN_TOKENS = 32;

interface BackendResult {
  backend: string;
  adapter: string;
  gen_cached_tokens_per_s: number;
  gen_uncached_tokens_per_s: number;
  sft_step_ms: number;
  sft_tokens_per_s: number;
  tensors_before: number;
  tensors_after: number;
}

async function measure(backend: "webgpu" | "wasm" | "cpu", steps: number): Promise<BackendResult> {
  const { config } = parseConfig([{ source: "bench", values: { backend, per_device_train_batch_size: 8 } }]);
  // SFT through the same session the worker runs.
  const session = new TrainerSession();
  const info = await session.init(config, DENO_ASSETS);
  await session.sftStep(); // warm-up: shader compilation, wasm start-up
  const tensorsBefore = await session.numTensors();
  let tokens = 0;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) tokens += (await session.sftStep()).tokens;
  const sftSeconds = (performance.now() - t0) / 1000;
  const tensorsAfter = await session.numTensors();
  await session.dispose();

  // Generation: fixed-length completions (no stop token) so both variants emit the same token count.
  await initBackend({ override: backend, log: () => {} });
  const text = await loadTextPipeline({ modelBase: new URL("models/", DENO_ASSETS.publicBase) });
  const model = Qwen2VLModel.init(tiny(taskVocabulary(text)), 0);
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
      sampling: config,
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
  return {
    backend,
    adapter: backend === "webgpu" && info.adapter
      ? `${info.adapter}${info.softwareAdapter ? " (software)" : ""}`
      : "-",
    gen_cached_tokens_per_s: cached,
    gen_uncached_tokens_per_s: uncached,
    sft_step_ms: (1000 * sftSeconds) / steps,
    sft_tokens_per_s: tokens / sftSeconds,
    tensors_before: tensorsBefore,
    tensors_after: tensorsAfter,
  };
}

function table(results: BackendResult[], steps: number): string {
  const header = [
    "backend",
    "adapter",
    "gen tok/s (cache)",
    "gen tok/s (no cache)",
    "cache speed-up",
    `sft ms/step (${steps})`,
    "sft tok/s",
    "tensors before -> after",
  ];
  const rows = results.map((r) => [
    r.backend,
    r.adapter,
    r.gen_cached_tokens_per_s.toFixed(0),
    r.gen_uncached_tokens_per_s.toFixed(0),
    `${(r.gen_cached_tokens_per_s / r.gen_uncached_tokens_per_s).toFixed(2)}x`,
    r.sft_step_ms.toFixed(0),
    r.sft_tokens_per_s.toFixed(0),
    `${r.tensors_before} -> ${r.tensors_after}${r.tensors_after > r.tensors_before ? " LEAK" : ""}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(" | ");
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)];
  const base = results.find((r) => r.backend === "wasm");
  if (base) {
    for (const r of results.filter((r) => r !== base)) {
      out.push(
        `${r.backend} vs wasm: generation ${
          (r.gen_cached_tokens_per_s / base.gen_cached_tokens_per_s).toFixed(2)
        }x, ` +
          `sft ${(r.sft_tokens_per_s / base.sft_tokens_per_s).toFixed(2)}x`,
      );
    }
  }
  return out.join("\n");
}

function flag(name: string, fallback: string): string {
  const i = Deno.args.indexOf(name);
  return i >= 0 && i + 1 < Deno.args.length ? Deno.args[i + 1] : fallback;
}

const steps = Number(flag("--steps", "5"));
const one = flag("--one", "");
if (one) {
  // Child process: one backend, result as JSON on stdout.
  const result = await measure(one as "webgpu" | "wasm" | "cpu", steps);
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
      `SFT batch 8, ${steps} timed steps after 1 warm-up; backends ${backends.join(", ")}`,
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
  const json = flag("--json", "");
  if (json) await Deno.writeTextFile(json, JSON.stringify(results, null, 2) + "\n");
}
