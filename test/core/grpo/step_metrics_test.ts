/** stepMetrics() on a rollout as large as num_generations=100000 makes it, by hand-computed values. */
import { assertEquals } from "../../assert.ts";
import { stepMetrics } from "../../../core/grpo/step_metrics.ts";
import type { Rollout } from "../../../core/rollout/generate.ts";

Deno.test("stepMetrics() gives the completion lengths of 200000 rows, which Math.max(...rows) could not", () => {
  // B = 2 prompts x G = 100000: row r has r % 64 + 1 tokens, so lengths run 1..64 (mean 32.5).
  const N = 200_000, G = 100_000;
  const completionIds = Array.from({ length: N }, (_, r) => new Array<number>((r % 64) + 1).fill(5));
  const rollout: Rollout = {
    rows: N,
    completionLength: 64,
    promptIndex: Int32Array.from({ length: N }, (_, r) => Math.floor(r / G)),
    completionIds,
    logprobs: new Float32Array(0),
    mask: new Float32Array(0),
    truncated: completionIds.map((ids) => ids.length === 64),
    generatedTokens: 6_500_000,
  };
  const m = stepMetrics({
    step: 1,
    names: ["format"],
    scores: [new Array(N).fill(1)],
    totals: new Float32Array(N).fill(1),
    numGenerations: G,
    zeroStd: 1,
    rollout,
    update: { gradNorm: 0.5, loss: 0 },
    learningRate: 1e-5,
    times: { rollout: 2, reward: 1, update: 1 },
  });
  assertEquals(m["completions/min_length"], 1);
  assertEquals(m["completions/max_length"], 64);
  assertEquals(m["completions/mean_length"], 32.5);
  // 200000 / 64 = 3125 rows hit 64 tokens.
  assertEquals(m["completions/clipped_ratio"], 3125 / N);
  assertEquals(m.reward, 1);
});
