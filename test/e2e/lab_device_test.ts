/**
 * A lost GPU device in the browser lab, for real: a webgpu run (SwiftShader in Debian's Chromium) whose
 * trainer worker's GPUDevice is destroyed mid-step through grpoLab.debugLoseDevice(). The page must name
 * the loss and its reason, say what to do, and offer to continue on wasm from the last checkpoint saved
 * in the browser; pressing the offer goes on from that step and finishes the run.
 */
import { assertEquals } from "../assert.ts";
import { buildLab, openLab, screenshot } from "./lab_fixture.ts";
import { DEVICE_LOST_ACTION } from "../../app/web/lab_store.ts";

/** Smaller than lab_test.ts's TINY (SwiftShader takes ~5 s a step even so), on webgpu, saved every step. */
const TINY_WEBGPU = {
  task: "count",
  backend: "webgpu",
  image_size: 56,
  per_device_train_batch_size: 1,
  num_generations: 2,
  max_completion_length: 8,
  beta: 0.04,
  max_steps: 3,
  lr_scheduler_type: "constant",
  num_iterations: 1,
  save_steps: 1,
};

Deno.test("the browser lab: a GPU device lost mid-run is shown with what to do, and the run goes on on wasm from its checkpoint", async () => {
  const dist = await buildLab();
  const lab = await openLab(dist);
  const { page } = lab;
  try {
    // Bad input: no run, no device.
    assertEquals(
      await page.evaluate(() => globalThis.grpoLab.debugLoseDevice().catch((e) => String(e))),
      "Error: debugLoseDevice(): start a run on webgpu first",
    );
    const before = await page.evaluate(async (config) => {
      await globalThis.grpoLab.start(config);
      return await globalThis.grpoLab.waitForSteps(2);
    }, TINY_WEBGPU);
    assertEquals(await page.evaluate(() => globalThis.grpoLab.backend().backend), "webgpu");
    const name = await page.evaluate(() => globalThis.grpoLab.runName());
    // Step 2's save (save_steps 1) is written before step 3 starts: the device goes during step 3.
    await page.waitForFunction(
      (n) => globalThis.grpoLab.saved().some((r) => r.name === n && r.step === 2),
      name,
    );
    assertEquals(
      await page.evaluate(() => globalThis.grpoLab.debugLoseDevice()),
      "destroyed: Device was destroyed.", // GPUDeviceLostInfo's reason and Chromium's message
    );
    await page.waitForFunction(() => globalThis.grpoLab.status() === "error");
    assertEquals(await page.evaluate(() => globalThis.grpoLab.metrics().length), 2);
    const alert = page.locator("error-list .error");
    assertEquals(await alert.count(), 1);
    assertEquals(
      await alert.locator(".what").textContent(),
      "the GPU device was lost (destroyed: Device was destroyed.) during step 3",
    );
    assertEquals(await alert.locator(".do").textContent(), `What to do: ${DEVICE_LOST_ACTION}`);
    const offer = alert.getByRole("button", { name: "Continue on wasm from step 2" });
    await screenshot(page, "lab-device-lost");
    await offer.click();
    await page.waitForFunction(() => globalThis.grpoLab.status() === "done", null, { timeout: 60_000 });
    assertEquals(await alert.count(), 0);
    const after = await page.evaluate(() => globalThis.grpoLab.metrics());
    assertEquals(after.map((m) => m.step), [1, 2, 3]);
    assertEquals(after.slice(0, 2), before); // steps 1-2 from the checkpoint, as they were on webgpu
    assertEquals(await page.evaluate(() => globalThis.grpoLab.runName()), name);
    assertEquals((await page.evaluate(() => globalThis.grpoLab.notes())).slice(0, 3), [
      "backend: wasm (requested)",
      "beta = 0.04: a frozen copy of the starting policy is the KL reference",
      "resuming at step 2",
    ]);
    assertEquals(await page.evaluate(() => globalThis.grpoLab.config().backend), "wasm");
    assertEquals(
      await page.locator("backend-badge #adapter").textContent(),
      "backend: wasm on the CPU. WebGPU adapter: google swiftshader (software, a CPU emulation of a GPU).",
    );
    await page.waitForFunction(
      (n) => globalThis.grpoLab.saved().some((r) => r.name === n && r.step === 3),
      name,
    );
    // On wasm there is no device to lose.
    assertEquals(
      await page.evaluate(() => globalThis.grpoLab.debugLoseDevice().catch((e) => String(e))),
      "Error: there is no GPU device to lose: the trainer runs on wasm, not webgpu",
    );
    await screenshot(page, "lab-device-lost-continued");
    assertEquals(lab.consoleErrors.filter((e) => !e.includes("404")), [
      "grpo-lab: the GPU device was lost (destroyed: Device was destroyed.) during step 3",
    ]);
  } finally {
    await lab.close();
    await Deno.remove(dist, { recursive: true });
  }
});
