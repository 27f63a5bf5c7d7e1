import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "../../assert.ts";
import { tinyModel } from "./fixtures.ts";
import { makeLoss } from "./loss_fixture.ts";

await tf.setBackend("cpu");

/**
 * Central-difference step. The loss (~3.5) is float32, so each evaluation carries ~2.4e-7 of rounding;
 * over 2 EPS that is ~6e-6 of noise, under 1% of the smallest gradient checked (~3e-4, attention biases).
 */
const EPS = 2e-2;
/** Relative error allowed between autodiff and finite differences. */
const REL_TOL = 2e-2;
/** Coordinates checked per parameter: those with the largest |gradient|, where the ratio is well conditioned. */
const COORDS = 3;

Deno.test("grads of the tiny model's loss match central finite differences for vision, bias and embedding", () => {
  const model = tinyModel(3);
  const { loss, dispose } = makeLoss(model);
  const names = [
    "visual.blocks.0.attn.qkv.weight",
    "visual.patch_embed.proj.weight",
    "model.layers.0.self_attn.q_proj.bias",
    "model.layers.1.self_attn.k_proj.bias",
    "model.embed_tokens.weight",
  ];
  const vars = names.map((n) => model.params.get(n)!);
  const { grads, value } = tf.variableGrads(loss, vars);
  assert(Number.isFinite(value.dataSync()[0]));
  const lossAt = () => {
    const l = loss();
    const x = l.dataSync()[0];
    l.dispose();
    return x;
  };
  for (const [k, name] of names.entries()) {
    const v = vars[k];
    const g = grads[v.name].dataSync();
    const order = [...g.keys()].sort((a, b) => Math.abs(g[b]) - Math.abs(g[a])).slice(0, COORDS);
    const base = v.dataSync().slice();
    for (const i of order) {
      const set = (delta: number) => {
        const w = base.slice();
        w[i] += delta;
        tf.tidy(() => v.assign(tf.tensor(w, v.shape)));
      };
      set(EPS);
      const up = lossAt();
      set(-EPS);
      const down = lossAt();
      set(0);
      const fd = (up - down) / (2 * EPS);
      const rel = Math.abs(fd - g[i]) / Math.max(Math.abs(fd), Math.abs(g[i]));
      assert(
        rel < REL_TOL,
        `${name}[${i}]: autodiff ${g[i]} vs finite difference ${fd} (relative error ${rel})`,
      );
    }
  }
  tf.dispose([value, ...Object.values(grads)]);
  dispose();
  model.dispose();
});

Deno.test("trainableVariables() leaves out the vision tower when freezeVision is set", () => {
  const model = tinyModel();
  const all = model.trainableVariables();
  const text = model.trainableVariables({ freezeVision: true });
  const visual = [...model.params.keys()].filter((n) => n.startsWith("visual.")).length;
  assertEquals(all.length, model.params.size);
  assertEquals(text.length, model.params.size - visual);
  model.dispose();
});
