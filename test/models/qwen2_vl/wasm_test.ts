import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { assert, assertEquals } from "../../assert.ts";
import { maxAbsDiff, tinyModel } from "./fixtures.ts";
import { makeLoss } from "./loss_fixture.ts";

setWasmPaths(new URL("../../../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url).href);

/** Agreement allowed between wasm and cpu gradients (both float32; kernels sum in different orders). */
const BACKEND_TOL = 1e-4;

/** Gradients of the loss w.r.t. every parameter, on the current backend, as host arrays by name. */
async function allGrads(): Promise<{ names: string[]; grads: Float32Array[]; loss: number }> {
  const model = tinyModel(4);
  const { loss, dispose } = makeLoss(model);
  const names = [...model.params.keys()];
  const { grads, value } = tf.variableGrads(loss, model.trainableVariables());
  const out: Float32Array[] = [];
  for (const name of names) out.push((await grads[model.params.get(name)!.name].data()) as Float32Array);
  const l = (await value.data())[0];
  tf.dispose([value, ...Object.values(grads)]);
  dispose();
  model.dispose();
  return { names, grads: out, loss: l };
}

Deno.test("variableGrads() of the loss computes on wasm (embedding and image gather custom grads) and matches cpu", async () => {
  assert(await tf.setBackend("wasm"), "the wasm backend did not initialise");
  assertEquals(tf.getBackend(), "wasm");
  const before = tf.memory().numTensors;
  const wasm = await allGrads();
  assertEquals(tf.memory().numTensors, before);
  await tf.setBackend("cpu");
  const cpu = await allGrads();
  assert(Math.abs(wasm.loss - cpu.loss) < BACKEND_TOL, `loss wasm ${wasm.loss} vs cpu ${cpu.loss}`);
  for (const [i, name] of cpu.names.entries()) {
    const scale = Math.max(1e-3, ...cpu.grads[i].map(Math.abs));
    const diff = maxAbsDiff(wasm.grads[i], cpu.grads[i]) / scale;
    assert(diff < BACKEND_TOL * 10, `${name}: wasm vs cpu gradient differ by ${diff} (relative to max |g|)`);
  }
});
