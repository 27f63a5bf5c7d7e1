/**
 * The GRPO step end to end on the tiny model, in-process (TrainerSession with the in-thread scorer):
 * the metric schema, no tensor leak, exact resume, gradient accumulation equal to one big batch, and
 * mask_truncated_completions.
 */
import * as tf from "@tensorflow/tfjs";
import { assert, assertAlmostEquals, assertEquals } from "../../assert.ts";
import { DENO_ASSETS } from "../../helpers/assets.ts";
import { detectEnv } from "../../../core/env.ts";
import { METRIC_NAMES } from "../../../core/grpo/step_metrics.ts";
import { TrainerSession } from "../../../core/train/session.ts";
import { readSafetensors } from "../../../models/safetensors.ts";
import type { GrpoStepReport, Metrics } from "../../../core/grpo/step_metrics.ts";
import type { TrainState } from "../../../core/train/train_state.ts";
import { testConfig } from "../../helpers/tiny_lab.ts";
import { openCustomReward } from "../../../workers/custom_reward.ts";

const BASE = {
  model: "tiny",
  task: "count",
  seed: 3,
  image_size: 56,
  per_device_train_batch_size: 2,
  num_generations: 3,
  max_completion_length: 8,
  learning_rate: 1e-3,
  lr_scheduler_type: "constant",
  warmup_ratio: 0,
  beta: 0.04,
  max_steps: 3,
};

async function session(values: Record<string, unknown>, resume?: TrainState): Promise<TrainerSession> {
  // Custom rewards run in their sandboxed workers, as the trainer worker runs them.
  const s = new TrainerSession({ openCustomReward });
  await s.init(testConfig({ ...BASE, ...values }), DENO_ASSETS, undefined, resume);
  return s;
}

/** Metrics without the timings, which are the only fields allowed to differ between equal runs. */
function untimed(m: Metrics): Record<string, number> {
  return Object.fromEntries(
    Object.entries(m).filter(([k]) => !k.startsWith("time/") && !k.startsWith("throughput/")),
  );
}

const BACKENDS = ["wasm", ...((await detectEnv()).adapter ? ["webgpu" as const] : [])] as const;

for (const backend of BACKENDS) {
  Deno.test(`grpoStep() on ${backend} writes every metric field and leaks no tensors over 3 steps`, async () => {
    const s = await session({ backend });
    try {
      const counts: number[] = [];
      const reports: GrpoStepReport[] = [];
      for (let i = 0; i < 3; i++) {
        reports.push(await s.grpoStep());
        counts.push(await s.numTensors());
      }
      assertEquals(counts[1], counts[2], `live tensors after steps 2 and 3: ${counts}`);
      for (const { metrics } of reports) {
        for (const name of METRIC_NAMES) assert(name in metrics, `${name} missing`);
        for (const name of ["rewards/format/mean", "rewards/format/std", "rewards/accuracy/mean"]) {
          assert(name in metrics, `${name} missing`);
        }
        for (const name of METRIC_NAMES) {
          assert(
            Number.isFinite(metrics[name]),
            `${backend} step ${metrics.step}: ${name} = ${metrics[name]}`,
          );
        }
      }
      assertEquals(reports.map((r) => r.metrics.step), [1, 2, 3]);
      // Step 1 samples from the starting policy itself: the KL to the reference is 0 and the ratio 1.
      assertAlmostEquals(reports[0].metrics.kl, 0, 1e-6);
      assertEquals(reports[0].metrics["clip_ratio/region_mean"], 0);
      const { groups } = reports[0];
      assertEquals(groups.length, 2);
      for (const g of groups) {
        assertEquals(g.completions.length, 3);
        // The group's advantages are its rewards centred: they sum to 0.
        assertAlmostEquals(g.completions.reduce((a, c) => a + c.advantage, 0), 0, 1e-4);
      }
    } finally {
      await s.dispose();
    }
  });
}

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`grpoStep() on ${backend}: 3 steps straight equal 2 steps, saveTrainState, resume, 1 step`, async () => {
    const straight = await session({ backend });
    const a: Metrics[] = [];
    try {
      for (let i = 0; i < 3; i++) a.push((await straight.grpoStep()).metrics);
    } finally {
      await straight.dispose();
    }
    const first = await session({ backend });
    let state: TrainState;
    const b: Metrics[] = [];
    try {
      for (let i = 0; i < 2; i++) b.push((await first.grpoStep()).metrics);
      state = await first.saveTrainState();
    } finally {
      await first.dispose();
    }
    const resumed = await session({ backend }, state);
    try {
      b.push((await resumed.grpoStep()).metrics);
    } finally {
      await resumed.dispose();
    }
    assertEquals(b.map(untimed), a.map(untimed));
  });
}

Deno.test("grpoStep() with gradient_accumulation_steps 3 updates the weights as one batch does", async () => {
  const weightsAfterOneStep = async (accumulation: number) => {
    const s = await session({ backend: "cpu", gradient_accumulation_steps: accumulation, max_grad_norm: 0 });
    try {
      const report = await s.grpoStep();
      const files = await s.saveCheckpoint();
      return { report, bytes: files.safetensors };
    } finally {
      await s.dispose();
    }
  };
  const one = await weightsAfterOneStep(1);
  const three = await weightsAfterOneStep(3);
  // Same rollout (same seed), so the same rewards; the accumulated gradient is the full batch's.
  assertEquals(three.report.metrics.reward, one.report.metrics.reward);
  assertAlmostEquals(three.report.metrics.loss, one.report.metrics.loss, 1e-6);
  assertAlmostEquals(three.report.metrics.grad_norm, one.report.metrics.grad_norm, 1e-4);
  const x = readSafetensors(one.bytes).tensors, y = readSafetensors(three.bytes).tensors;
  let maxDiff = 0;
  for (const [name, t] of x) {
    const u = y.get(name)!.data;
    t.data.forEach((v, i) => maxDiff = Math.max(maxDiff, Math.abs(v - u[i])));
  }
  assert(maxDiff < 1e-5, `weights differ by ${maxDiff}`);
});

Deno.test("grpoStep() with mask_truncated_completions gives truncated completions no gradient", async () => {
  // max_completion_length 2 truncates every completion: with all masked there is nothing to learn.
  const s = await session({ backend: "cpu", max_completion_length: 2, mask_truncated_completions: true });
  try {
    const { metrics } = await s.grpoStep();
    assertEquals(metrics["completions/clipped_ratio"], 1);
    assertEquals(metrics.grad_norm, 0);
    assertEquals(metrics.loss, 0);
  } finally {
    await s.dispose();
  }
  assertEquals(tf.getBackend(), "cpu");
});

Deno.test("grpoStep() runs a reward that asks the policy beside the model, and keeps reward_funcs' order", async () => {
  const dir = await Deno.makeTempDir({ prefix: "grpo-lab-policy-reward-" });
  // A custom reward that needs the policy: it asks for one text-only completion per row, then gives 0.25
  // for a string answer, so that its column is told apart from format's and accuracy's 0 / 1.
  await Deno.writeTextFile(
    `${dir}/asks.js`,
    `export default { needsPolicy: true, defaults: {},
      fn: async (c, sample, _o, ctx) => typeof (await ctx.generate(sample.prompt)) === "string" ? 0.25 : 0 };`,
  );
  const s = await session({
    backend: "wasm",
    reward_funcs: ["format", "asks", "accuracy"],
    custom_rewards: { asks: `${dir}/asks.js` },
  });
  try {
    const { metrics, groups } = await s.grpoStep();
    assertEquals(metrics["rewards/asks/mean"], 0.25);
    assertEquals(metrics["rewards/asks/std"], 0);
    for (const c of groups.flatMap((g) => g.completions)) assertEquals(c.rewards.asks, 0.25);
  } finally {
    await s.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});
