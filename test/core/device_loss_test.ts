import * as tf from "@tensorflow/tfjs";
import { assertEquals, assertRejects } from "../assert.ts";
import { initBackend } from "../../core/backend.ts";
import { DeviceLostError, duringGpuWork, loseDevice, watchDevice } from "../../core/device_loss.ts";

Deno.test("watchDevice() is null and loseDevice() rejects on wasm: there is no device to lose", async () => {
  await initBackend({ override: "wasm", log: () => {} });
  assertEquals(watchDevice(), null);
  await assertRejects(
    () => loseDevice(),
    Error,
    "there is no GPU device to lose: the trainer runs on wasm, not webgpu",
  );
  // Without a watch the work runs as it is, its failure unchanged.
  assertEquals(
    await duringGpuWork(null, "step 1", tf.tensor1d([1, 2]).data()),
    new Float32Array([1, 2]),
  );
  await assertRejects(
    () => duringGpuWork(null, "step 1", Promise.reject(new Error("bad"))),
    Error,
    "bad",
  );
});

Deno.test("duringGpuWork() turns GPU work after a real device loss (destroy()) into a DeviceLostError naming it", async () => {
  // llvmpipe under Deno (ENVIRONMENT.md): a real GPUDevice of the tfjs webgpu backend, destroyed for real.
  await initBackend({ override: "webgpu", log: () => {} });
  const watch = watchDevice()!;
  const x = tf.tensor1d([1, 2, 3]);
  const y = tf.mul(x, 2);
  assertEquals(await duringGpuWork(watch, "step 1", y.data()), new Float32Array([2, 4, 6]));
  // Another failure while the device is fine is itself, after the grace period.
  await assertRejects(
    () => duringGpuWork(watch, "step 1", Promise.reject(new Error("not the GPU"))),
    Error,
    "not the GPU",
  );
  const reason = await loseDevice();
  assertEquals(reason, "destroyed: device was lost"); // GPUDeviceLostInfo's reason and Deno's message
  const err = await assertRejects(
    () => duringGpuWork(watch, "step 2", tf.add(y, 1).data()),
    DeviceLostError,
  );
  assertEquals(err.message, `the GPU device was lost (${reason}) during step 2`);
  tf.dispose([x, y]);
});
