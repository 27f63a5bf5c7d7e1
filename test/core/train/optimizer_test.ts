import * as tf from "@tensorflow/tfjs";
import { assert, assertAllClose, assertAlmostEquals, assertEquals, assertThrows } from "../../assert.ts";
import { initBackend } from "../../../core/backend.ts";
import { detectEnv } from "../../../core/env.ts";
import { AdamW, type AdamWOptions, clipAndStep, clipGradNorm } from "../../../core/train/optimizer.ts";

const OPTIONS: AdamWOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1 };
const LR = 0.1;
const P0 = [1, -2, 0.5];
const G1 = [0.1, -0.2, 0.3];
const G2 = [-0.4, 0.5, 0];

/*
 * Golden values from torch.optim.AdamW's update, worked by hand (lr η = 0.1, λ = 0.1, β1 = 0.9,
 * β2 = 0.999, ε = 1e-8):
 *   p <- p (1 - ηλ);  m <- β1 m + (1-β1) g;  v <- β2 v + (1-β2) g²
 *   p <- p - (η / (1-β1^t)) m / (sqrt(v) / sqrt(1-β2^t) + ε)
 * Step 1: m/(1-β1) = g and v/(1-β2) = g², so the update is η g/(|g| + ε) ≈ η sign(g):
 *   p1 = 0.99 p0 - 0.1 sign(g1) = [0.89, -1.88, 0.395] (ε moves it by < 1e-8).
 * Step 2: m = 0.9 (0.1 g1) + 0.1 g2 = [-0.031, 0.032, 0.027]
 *   v = 0.999 (0.001 g1²) + 0.001 g2² = [1.6999e-4, 2.8996e-4, 8.991e-5]
 *   bc1 = 1 - 0.81 = 0.19, bc2 = 1 - 0.998001 = 0.001999
 *   update_i = 0.1 (m_i / 0.19) / sqrt(v_i / 0.001999)
 *            = [-0.0559499..., 0.0442206..., 0.0670058...]
 *   p2 = 0.99 p1 - update = [0.88110 + 0.05594, -1.86120 - 0.04422, 0.39105 - 0.06701]
 *      = [0.9370504, -1.9054215, 0.3240442]
 */
const P1 = [0.89, -1.88, 0.395];
const P2 = [0.9370503573851283, -1.905421530167233, 0.3240441810458211];

const BACKENDS = ["cpu", "wasm", ...((await detectEnv()).adapter ? ["webgpu" as const] : [])] as const;

Deno.test("AdamW.step() matches torch's AdamW update over two steps on every backend here", async () => {
  for (const backend of BACKENDS) {
    await initBackend({ override: backend, log: () => {} });
    await twoSteps();
  }
  await initBackend({ override: "cpu", log: () => {} });
});

async function twoSteps() {
  const p = tf.variable(tf.tensor1d(P0));
  const opt = new AdamW(new Map([["w", p]]), OPTIONS);
  const g1 = tf.tensor1d(G1);
  const g2 = tf.tensor1d(G2);
  opt.step(new Map([["w", g1]]), LR);
  assertAllClose(await p.data(), P1, 1e-6, `${tf.getBackend()} step 1`);
  opt.step(new Map([[p, g2]]), LR); // keyed by the variable this time
  assertAllClose(await p.data(), P2, 1e-6, `${tf.getBackend()} step 2`);
  assertEquals(opt.stepCount("w"), 2);
  tf.dispose([g1, g2, p]);
  opt.dispose();
}

Deno.test("AdamW.step() leaves no tensors behind and skips parameters without a gradient", async () => {
  const a = tf.variable(tf.tensor2d([[1, 2], [3, 4]]));
  const b = tf.variable(tf.tensor1d([5, 6]));
  const opt = new AdamW([a, b], { ...OPTIONS, weightDecay: 0 });
  const grad = tf.ones([2, 2]);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) opt.step({ [a.name]: grad }, 0.01);
  assertEquals(tf.memory().numTensors, before);
  assertEquals(opt.stepCount(a.name), 3);
  assertEquals(opt.stepCount(b.name), 0);
  assertEquals(Array.from(await b.data()), [5, 6]);
  tf.dispose([grad, a, b]);
  opt.dispose();
});

Deno.test("AdamW.step() rejects a gradient of the wrong shape or for an unknown parameter", () => {
  const p = tf.variable(tf.zeros([3]));
  const opt = new AdamW(new Map([["w", p]]), OPTIONS);
  const g = tf.zeros([2]);
  assertThrows(
    () => opt.step(new Map([["w", g]]), LR),
    Error,
    'gradient for "w" has shape [2], parameter [3]',
  );
  assertThrows(() => opt.step(new Map([["nope", g]]), LR), Error, 'unknown parameter "nope"');
  tf.dispose([g, p]);
  opt.dispose();
});

Deno.test("AdamW.exportState() and importState() resume to the same second step", async () => {
  const run = async (resume: boolean) => {
    const p = tf.variable(tf.tensor1d(P0));
    let opt = new AdamW(new Map([["w", p]]), OPTIONS);
    const g1 = tf.tensor1d(G1);
    const g2 = tf.tensor1d(G2);
    opt.step(new Map([["w", g1]]), LR);
    if (resume) {
      const state = await opt.exportState();
      assertEquals(Object.keys(state).sort(), ["w.exp_avg", "w.exp_avg_sq", "w.step"]);
      assertAllClose(state["w.exp_avg"].data, [0.01, -0.02, 0.03], 1e-8);
      opt.dispose();
      opt = new AdamW(new Map([["w", p]]), OPTIONS);
      opt.importState(state);
    }
    opt.step(new Map([["w", g2]]), LR);
    const out = Array.from(await p.data());
    tf.dispose([g1, g2, p]);
    opt.dispose();
    return out;
  };
  assertAllClose(await run(true), await run(false), 0);
  assertAllClose(await run(true), P2, 1e-6);
});

Deno.test("clipGradNorm() returns the pre-clip global norm and scales by maxNorm / norm", async () => {
  // ‖g‖ = sqrt(3² + 4² + 12²) = 13; coefficient 5 / (13 + 1e-6).
  const grads = new Map([["a", tf.tensor1d([3, 4])], ["b", tf.tensor1d([12])]]);
  const before = tf.memory().numTensors;
  const { grads: clipped, norm } = clipGradNorm(grads, 5);
  assertEquals(tf.memory().numTensors, before + 3); // the norm and two clipped gradients
  assertAlmostEquals((await norm.data())[0], 13, 1e-5);
  const c = 5 / (13 + 1e-6);
  assertAllClose(await clipped.get("a")!.data(), [3 * c, 4 * c], 1e-6);
  assertAllClose(await clipped.get("b")!.data(), [12 * c], 1e-6);
  tf.dispose([norm, ...clipped.values()]);

  // Under the limit, or with maxNorm 0 (off), the values are unchanged.
  for (const maxNorm of [100, 0]) {
    const r = clipGradNorm(grads, maxNorm);
    assertAllClose(await r.grads.get("a")!.data(), [3, 4], 1e-6);
    assertAlmostEquals((await r.norm.data())[0], 13, 1e-5);
    tf.dispose([r.norm, ...r.grads.values()]);
  }
  assert(!grads.get("a")!.isDisposed);
  tf.dispose([...grads.values()]);
});

Deno.test("clipAndStep() steps with the clipped gradients, returns the pre-clip norm and frees the gradients", async () => {
  await initBackend({ override: "cpu", log: () => {} });
  const p = tf.variable(tf.tensor1d([0, 0]));
  const opt = new AdamW(new Map([["w", p]]), { ...OPTIONS, weightDecay: 0 });
  const before = tf.memory().numTensors;
  // g = [3, 4]: ‖g‖ = 5. Adam's first step moves each weight by lr * sign(g), clipped or not.
  const norm = await clipAndStep(opt, { w: tf.tensor1d([3, 4]) }, 1, LR);
  assertAlmostEquals(norm, 5, 1e-6);
  assertAllClose(await p.data(), [-LR, -LR], 1e-6);
  assertEquals(tf.memory().numTensors, before, "the gradients and the norm are freed");
  assertAlmostEquals(await clipAndStep(opt, { w: tf.tensor1d([0, 2]) }, 0, LR), 2, 1e-6);
  opt.dispose();
  p.dispose();
});
