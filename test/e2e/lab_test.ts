/**
 * The browser lab end to end: the built app served on 127.0.0.1, in Debian's Chromium with a software
 * WebGPU adapter (SwiftShader), the trainer in its module worker. Tiny runs (2 prompts x 4 completions
 * of at most 24 tokens, 56-pixel images) keep it to seconds per run on two CPU cores.
 */
import { assert, assertEquals } from "../assert.ts";
import { buildLab, elementShot, fileOf, openLab, screenshot } from "./lab_fixture.ts";
import { readSafetensors } from "../../models/safetensors.ts";
import type { Page } from "playwright-core";
import { Buffer } from "node:buffer";

/** Clicks a button by its accessible name and returns the name and bytes of the file it downloads. */
async function downloaded(page: Page, button: string): Promise<{ name: string; bytes: Uint8Array }> {
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: button }).click(),
  ]);
  return { name: download.suggestedFilename(), bytes: await Deno.readFile(await download.path()) };
}

/** A run config as `deno task train --config` reads it, small enough for e2e. */
const TINY = {
  task: "count",
  backend: "wasm",
  image_size: 56,
  per_device_train_batch_size: 2,
  num_generations: 4,
  max_completion_length: 24,
  beta: 0.04,
  max_steps: 2,
  // A run continued with a higher max_steps must replay the straight run: a schedule that decays to 0
  // at max_steps (the default run's cosine) would differ between the two, so keep the rate constant.
  lr_scheduler_type: "constant",
  num_iterations: 1,
};

const CHARTS = ["reward", "rewards", "kl", "loss", "length", "clip", "time"];

Deno.test("the browser lab in Chromium: load, run, charts, groups, live weights, bad files, frames", async (t) => {
  const dist = await buildLab();
  const lab = await openLab(dist);
  const { page } = lab;
  try {
    await t.step("the page loads and reports its adapter", async () => {
      const badge = page.locator("backend-badge #adapter");
      assertEquals(
        await badge.textContent(),
        "WebGPU adapter: google swiftshader (software, a CPU emulation of a GPU); " +
          "runs will use wasm (CPU) unless you choose webgpu",
      );
      assertEquals(await page.evaluate(() => globalThis.grpoLab.backend()), {
        backend: "",
        adapter: "google swiftshader",
        software: true,
        webgpu: true,
      });
    });

    await t.step(
      "a config imported from a file and Start: a 2-step run, every chart with 2 points",
      async () => {
        await page.locator('input[aria-label="config file"]').setInputFiles(
          fileOf("tiny.json", "application/json", JSON.stringify(TINY)),
        );
        await page.waitForFunction(() => globalThis.grpoLab.config().num_generations === 4);
        assertEquals(await page.locator('input[name="num_generations"]').inputValue(), "4");
        await page.getByRole("button", { name: "Start" }).click();
        await page.waitForFunction(() => globalThis.grpoLab.status() === "done", null, { timeout: 120_000 });
        assertEquals(await page.locator("run-controls #status").textContent(), "done: step 2 / 2");
        assertEquals(
          await page.locator("backend-badge #adapter").textContent(),
          "backend: wasm on the CPU. WebGPU adapter: google swiftshader (software, a CPU emulation of a GPU).",
        );
        const charts = page.locator("lab-chart");
        assertEquals(
          await charts.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.chart)),
          CHARTS,
        );
        assertEquals(
          await charts.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.points)),
          CHARTS.map(() => "2"),
        );
        // Two dots per series: reward 1, rewards 2 (format, accuracy), kl 1, loss 1, length 1, clip 3, time 3.
        assertEquals(await page.locator("lab-chart circle.dot").count(), 2 * (1 + 2 + 1 + 1 + 1 + 3 + 3));
        const metrics = await page.evaluate(() => globalThis.grpoLab.metrics());
        assertEquals(metrics.map((m) => m.step), [1, 2]);
        for (const m of metrics) {
          assert(m["time/step_s"] > 0 && m["time/step_s"] < 60, `step time ${m["time/step_s"]}`);
          assert(Number.isFinite(m.kl) && m.kl >= 0, `kl ${m.kl}`);
        }
        await screenshot(page, "lab-after-2-steps");
      },
    );

    await t.step("the metrics download as JSONL and CSV, the policy as .safetensors", async () => {
      const metrics = await page.evaluate(() => globalThis.grpoLab.metrics());
      const jsonl = await downloaded(page, "Metrics JSONL");
      assertEquals(jsonl.name, "metrics.jsonl");
      const lines = new TextDecoder().decode(jsonl.bytes).trim().split("\n").map((l) => JSON.parse(l));
      assertEquals(lines, metrics);
      const csv = await downloaded(page, "Metrics CSV");
      const rows = new TextDecoder().decode(csv.bytes).trim().split("\n");
      assertEquals(rows.length, 3);
      assertEquals(rows[0].split(",").slice(0, 4), ["step", "reward", "reward_std", "rewards/format/mean"]);
      assertEquals(rows.slice(1).map((r) => r.split(",")[1]), metrics.map((m) => String(m.reward)));
      const policy = await downloaded(page, "Download checkpoint");
      assertEquals(policy.name, "grpo-lab-step-2.safetensors");
      const weights = readSafetensors(policy.bytes);
      assertEquals(weights.tensors.size, 57);
      assertEquals(weights.metadata?.step, "2");
      // The downloaded policy is a starting checkpoint the page accepts (then back to the shipped one).
      await page.locator('input[aria-label="checkpoint file"]').setInputFiles({
        name: policy.name,
        mimeType: "application/octet-stream",
        buffer: Buffer.from(policy.bytes),
      });
      await page.waitForFunction(() =>
        document.querySelector("grpo-lab")!.shadowRoot!.querySelector("run-setup")!.shadowRoot!
          .querySelector("#checkpoint-name")!.textContent === "grpo-lab-step-2.safetensors"
      );
      await page.getByRole("button", { name: "use shipped" }).click();
      assertEquals(await page.locator("#checkpoint-name").textContent(), "shipped (tiny-sft)");
    });

    await t.step("the group browser shows G completions with their rewards", async () => {
      const groups = await page.evaluate(() => globalThis.grpoLab.groups());
      assertEquals(groups.length, 2);
      const sections = page.locator("group-browser section.group");
      assertEquals(await sections.count(), 2);
      for (let b = 0; b < 2; b++) {
        const section = sections.nth(b);
        assertEquals(await section.getAttribute("data-prompt"), groups[b].prompt_id);
        assertEquals(await section.locator("tr.completion-row").count(), 4);
        assert((await section.textContent())!.includes(`Ground truth: ${groups[b].solution}`));
        for (let g = 0; g < 4; g++) {
          const c = groups[b].completions[g];
          const row = section.locator("tr.completion-row").nth(g);
          assertEquals(
            await row.locator('td[data-reward="format"]').textContent(),
            c.rewards.format!.toFixed(2),
          );
          assertEquals(
            await row.locator('td[data-reward="accuracy"]').textContent(),
            c.rewards.accuracy!.toFixed(2),
          );
          assertEquals(await row.locator("td.total").textContent(), c.reward.toFixed(2));
          const sign = c.advantage > 0 ? "pos" : c.advantage < 0 ? "neg" : "zero";
          assert((await row.locator("td.advantage").getAttribute("class"))!.includes(sign));
          if (c.text.includes("<answer>")) assert(await row.locator("span.tag").count() >= 2);
        }
        assertEquals(await section.locator("sample-image canvas").getAttribute("width"), "224");
      }
      await elementShot(page, "group-browser", "lab-groups");
    });

    await t.step(
      "a weight slider moved mid-run changes the weights the worker uses from the next step",
      async () => {
        await page.evaluate((config) => globalThis.grpoLab.start({ ...config, max_steps: 4 }), TINY);
        await page.evaluate(() => globalThis.grpoLab.waitForSteps(1));
        await page.getByRole("button", { name: "Pause" }).click();
        await page.waitForFunction(() => globalThis.grpoLab.status() === "paused");
        const before = await page.evaluate(() => globalThis.grpoLab.metrics().length);
        assert(before === 1 || before === 2, `paused after ${before} steps`); // so steps after it remain
        await page.locator('input[aria-label="weight of format"]').evaluate((el: HTMLInputElement) => {
          el.value = "2";
          el.dispatchEvent(new Event("change", { bubbles: true }));
        });
        await page.waitForFunction(() => globalThis.grpoLab.config().reward_weights[0] === 2);
        await page.getByRole("button", { name: "Resume" }).click();
        await page.evaluate(() => globalThis.grpoLab.waitForSteps(4));
        const reports = await page.evaluate(() => globalThis.grpoLab.reports());
        assertEquals(
          reports,
          [1, 2, 3, 4].map((step) => ({ step, rewardWeights: step <= before ? [0.5, 1] : [2, 1] })),
        );
        // Every chart marks the step from which the new weights apply.
        assertEquals(await page.locator("lab-chart line.mark").count(), CHARTS.length);
        assertEquals(await page.locator("run-setup output").first().textContent(), "2.0");
      },
    );

    await t.step("an earlier run overlaid on the charts, dashed", async () => {
      const options = page.locator('select[aria-label="compare with"] option');
      // Run 1 (2 steps, from the imported file) is past; run 2 (the weights run) is showing.
      assertEquals(await options.count(), 2);
      assertEquals(await options.nth(1).textContent(), "run 1: count, format 0.5, accuracy 1, 2 steps");
      await page.locator('select[aria-label="compare with"]').selectOption("0");
      // One dashed line per series: 1 + 2 + 1 + 1 + 1 + 3 + 3.
      assertEquals(await page.locator("lab-chart path.compared").count(), 12);
      await screenshot(page, "lab-compare");
      await page.locator('select[aria-label="compare with"]').selectOption("-1");
      assertEquals(await page.locator("lab-chart path.compared").count(), 0);
    });

    await t.step(
      "save a checkpoint, reload the page, continue it: the same metrics as a straight run",
      async () => {
        const untimed = (ms: Record<string, number>[]) =>
          ms.map((m) =>
            Object.fromEntries(
              Object.entries(m).filter(([k]) => !k.startsWith("time/") && !k.startsWith("throughput/")),
            )
          );
        const straight = await page.evaluate(async (config) => {
          await globalThis.grpoLab.start({ ...config, max_steps: 3 });
          return await globalThis.grpoLab.waitForSteps(3);
        }, TINY);
        await page.evaluate(async (config) => {
          await globalThis.grpoLab.start(config);
          await globalThis.grpoLab.waitForSteps(2);
        }, TINY);
        await page.waitForFunction(() => globalThis.grpoLab.status() === "done");
        const name = await page.evaluate(() => globalThis.grpoLab.runName());
        await page.getByRole("button", { name: "Save checkpoint" }).click();
        await page.waitForFunction(() => !globalThis.grpoLab.saving());
        await page.reload();
        await page.evaluate(() => globalThis.grpoLab.ready);
        // Every run of this browser saved itself at its end (save_steps = 50 > max_steps): runs of 2, 4, 3, 2 steps.
        const saved = await page.evaluate(() => globalThis.grpoLab.saved());
        assertEquals(saved.map((r) => r.step), [4, 3, 2, 2]);
        assert(saved.some((r) => r.name === name && r.step === 2), JSON.stringify(saved));
        const item = page.locator(`run-files li[data-saved="${name}"]`);
        assertEquals(await item.locator("span").textContent(), `${name} (step 2)`);
        assertEquals(await page.evaluate(() => globalThis.grpoLab.metrics().length), 0);
        await page.locator('input[name="max_steps"]').fill("3");
        await page.locator('input[name="max_steps"]').dispatchEvent("change");
        await page.getByRole("button", { name: `Continue ${name}` }).click();
        await page.waitForFunction(() => globalThis.grpoLab.status() === "done", null, { timeout: 60_000 });
        const continued = await page.evaluate(() => globalThis.grpoLab.metrics());
        assertEquals(continued.map((m) => m.step), [1, 2, 3]);
        assertEquals(untimed(continued), untimed(straight));
        assertEquals(await page.locator("lab-chart[data-chart=reward]").getAttribute("data-points"), "3");
        // The continued run saved itself into the same slot at its end.
        await page.waitForFunction(
          (n) => globalThis.grpoLab.saved().some((r) => r.name === n && r.step === 3),
          name,
        );
        await page.getByRole("button", { name: `Delete ${name}` }).click();
        await item.waitFor({ state: "detached" });
        assertEquals((await page.evaluate(() => globalThis.grpoLab.saved())).length, 3);
      },
    );

    await t.step("a bad checkpoint file and a bad config file show errors in the page", async () => {
      await page.locator('input[aria-label="checkpoint file"]').setInputFiles(
        fileOf("broken.safetensors", "application/octet-stream", "this is not a checkpoint"),
      );
      const alerts = page.locator("error-list .what");
      await alerts.first().waitFor();
      assert(
        (await alerts.first().textContent())!.startsWith("broken.safetensors: not a safetensors file ("),
        (await alerts.first().textContent())!,
      );
      await page.locator('input[aria-label="config file"]').setInputFiles(
        fileOf("typo.json", "application/json", JSON.stringify({ learning_rat: 0.1 })),
      );
      await page.waitForFunction(() => globalThis.grpoLab.errors().length === 2);
      assert(
        (await alerts.nth(1).textContent())!.startsWith('unknown config key "learning_rat" (from typo.json)'),
        (await alerts.nth(1).textContent())!,
      );
      assertEquals(await page.locator("#checkpoint-name").textContent(), "shipped (tiny-sft)");
      assertEquals(await page.locator('input[name="max_steps"]').inputValue(), "3");
      await screenshot(page, "lab-errors");
    });

    await t.step("animation frames keep coming during a step (trainer on webgpu in its worker)", async () => {
      const frames = await page.evaluate(async (config) => {
        await globalThis.grpoLab.start({
          ...config,
          backend: "webgpu",
          per_device_train_batch_size: 1,
          max_steps: 1,
        });
        const times: number[] = [];
        let going = true;
        const tick = (t: number) => {
          times.push(t);
          if (going) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
        await globalThis.grpoLab.waitForSteps(1);
        going = false;
        const gaps = times.slice(1).map((t, i) => t - times[i]);
        return { count: times.length, seconds: (times.at(-1)! - times[0]) / 1000, maxGap: Math.max(...gaps) };
      }, TINY);
      assert(frames.seconds > 0.5, `the step took ${frames.seconds} s: too short to tell`);
      assert(frames.count / frames.seconds >= 10, `${frames.count} frames in ${frames.seconds} s`);
      assert(frames.maxGap < 500, `a frame came ${frames.maxGap} ms after the one before`);
      assertEquals(await page.evaluate(() => globalThis.grpoLab.backend().backend), "webgpu");
    });

    await t.step("a trainer worker that cannot start is an error in the page, with what to do", async () => {
      // Take the worker's script away: its load fails as a crash does, with the page still up.
      const assets = `${dist}/assets/`;
      const worker = [...Deno.readDirSync(assets)].find((e) => /^trainer\.worker-.*\.js$/.test(e.name))!.name;
      await Deno.rename(assets + worker, `${assets}moved-${worker}`);
      await page.reload();
      await page.evaluate(() => globalThis.grpoLab.ready);
      await page.getByRole("button", { name: "Start" }).click();
      await page.waitForFunction(() => globalThis.grpoLab.status() === "error");
      const alert = page.locator("error-list .error");
      assertEquals(
        await alert.locator(".what").textContent(),
        "the trainer worker crashed: it failed to load",
      );
      assertEquals(
        await alert.locator(".do").textContent(),
        "What to do: press Reset, then Start; if it crashes again, choose backend wasm",
      );
      await screenshot(page, "lab-worker-crash");
    });

    assertEquals(lab.consoleErrors.filter((e) => !e.includes("grpo-lab:") && !e.includes("404")), []);
  } finally {
    await lab.close();
    await Deno.remove(dist, { recursive: true });
  }
});
