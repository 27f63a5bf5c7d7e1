/**
 * The shipped starting checkpoint (public/checkpoints/tiny-sft): it loads, its id map is the one the
 * tasks' vocabulary gives today, and it answers count scenes in the <think>/<answer> format.
 */
import { assert, assertEquals } from "../assert.ts";
import { initBackend } from "../../core/backend.ts";
import { parseConfig } from "../../core/config/mod.ts";
import { makeSample, splitSeed } from "../../core/data/registry.ts";
import { evaluateSamples } from "../../core/eval/evaluate.ts";
import { loadLab } from "../helpers/tiny_lab.ts";
import { readCheckpointFiles, SHIPPED_CHECKPOINT } from "../../app/cli/trainer_client.ts";
import { configFromJson, modelFromSafetensors, parameterCount, tiny } from "../../models/qwen2_vl/mod.ts";
import { Notes } from "../../core/notes.ts";

Deno.test("the shipped checkpoint loads as the tiny model over today's task vocabulary", async () => {
  const { vocab } = await loadLab();
  const files = await readCheckpointFiles(SHIPPED_CHECKPOINT);
  const config = configFromJson(JSON.parse(files.configJson));
  assertEquals(config.vocab_ids, vocab);
  assertEquals(config, tiny(vocab));
  assertEquals(parameterCount(config), 244_416);
});

Deno.test("the shipped checkpoint answers 8 held-out count scenes in the think/answer format", async () => {
  await initBackend({ override: "wasm", log: () => {} });
  const { text } = await loadLab();
  const files = await readCheckpointFiles(SHIPPED_CHECKPOINT);
  const model = modelFromSafetensors(configFromJson(JSON.parse(files.configJson)), files.safetensors);
  try {
    // It is the count task's starting point (trained on count only), so count scenes are what it answers.
    const samples = Array.from({ length: 8 }, (_, i) => makeSample("count", splitSeed("eval", 3), i));
    const { config } = parseConfig([{ source: "test", values: { temperature: 1, seed: 0 } }]);
    const report = await evaluateSamples(model, text, samples, config, 8, new Notes());
    const formatted = report.predictions.filter((p) => p.format === 1).length;
    // 99.5 % on 200 count scenes (README); 7 of 8 leaves room for one unlucky draw.
    assert(formatted >= 7, `${formatted} of 8 in format: ${report.predictions.map((p) => p.completion)}`);
  } finally {
    model.dispose();
  }
});
