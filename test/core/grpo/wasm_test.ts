/**
 * The GRPO math on the wasm backend: a golden advantage and loss, and the loss and its gradient for
 * several options equal to the cpu backend's. The other tests in this folder run on cpu.
 */
import * as tf from "@tensorflow/tfjs";
import { assertAllClose, assertAlmostEquals, assertEquals } from "../../assert.ts";
import { initBackend } from "../../../core/backend.ts";
import { advantages, type PolicyLossOptions } from "../../../core/grpo/mod.ts";
import { FD_CASE, fromRatios, gradOf, lossOf } from "./fixtures.ts";

/** Agreement allowed between wasm and cpu (both float32; kernels may round differently). */
const BACKEND_TOL = 1e-5;

const CONFIGS: PolicyLossOptions[] = [
  { lossType: "grpo", beta: 0.04, dualClip: 3 },
  { lossType: "bnpo", beta: 0.5, klEstimator: "k2", epsilonHigh: 0.28 },
  { lossType: "dr_grpo", maxCompletionLength: 6, beta: 0.2, klEstimator: "k1" },
  { lossType: "dapo" },
  { lossType: "grpo", importanceSamplingLevel: "sequence", beta: 0.04 },
];

async function lossesAndGrads(): Promise<{ losses: number[]; grads: Float32Array[] }> {
  const losses: number[] = [];
  const grads: Float32Array[] = [];
  for (const opts of CONFIGS) {
    losses.push((await lossOf(FD_CASE, opts)).loss);
    grads.push(await gradOf(FD_CASE, opts));
  }
  return { losses, grads };
}

Deno.test("advantages() and policyLoss() on wasm give the golden values and agree with cpu", async () => {
  await initBackend({ override: "wasm", log: () => {} });
  assertEquals(tf.getBackend(), "wasm");
  try {
    // See advantages_test.ts: ±0.5 / (√(1/3) + 1e-4) = ±0.8658754, and 0 for the equal group.
    const r = tf.tensor1d([1, 0, 0, 1, 2, 2, 2, 2]);
    const a = advantages(r, 4, { scaleRewards: "group" });
    const x = 0.8658754;
    assertAllClose(await a.data(), [x, -x, -x, x, 0, 0, 0, 0], 1e-6, "advantages");
    tf.dispose([r, a]);
    // See policy_loss_test.ts: (-1.2 + 0.8 - 0.5 + 1.5) / 4 = 0.15.
    const clip = fromRatios([[1.5], [0.5], [0.5], [1.5]], [1, -1, 1, -1], [[1], [1], [1], [1]]);
    assertAlmostEquals((await lossOf(clip, { lossType: "bnpo" })).loss, 0.15, 1e-6, "clip case");

    const wasm = await lossesAndGrads();
    await initBackend({ override: "cpu", log: () => {} });
    const cpu = await lossesAndGrads();
    for (const [i, opts] of CONFIGS.entries()) {
      const name = JSON.stringify(opts);
      assertAlmostEquals(wasm.losses[i], cpu.losses[i], BACKEND_TOL, `${name} loss`);
      assertAllClose(wasm.grads[i], cpu.grads[i], BACKEND_TOL, `${name} gradient`);
    }
  } finally {
    await initBackend({ override: "cpu", log: () => {} });
  }
});
