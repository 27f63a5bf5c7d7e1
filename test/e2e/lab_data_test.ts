/**
 * The browser lab with the user's own things, end to end in Chromium: a conversation JSONL and its
 * images folder picked in the page, checked there (the report `deno task data check` prints, compared
 * line by line with the same check run here under Deno on the same files), refused at Start while it has
 * a bad line, trained on with skip_invalid, its groups shown with their images; and a custom reward
 * module added from a .js file, scored in the reward worker.
 */
import { assert, assertEquals } from "../assert.ts";
import { buildLab, fileOf, openLab, screenshot } from "./lab_fixture.ts";
import { conversationLine, countSample, encodePng, verlFixture } from "../core/data/datasets/fixtures.ts";
import {
  checkDataset,
  checkLimits,
  DataSource,
  formatCheckReport,
  urlFiles,
} from "../../core/data/datasets/mod.ts";
import { loadTextPipeline } from "../../core/text/pipeline.ts";
import type { RunConfig } from "../../core/config/fields.ts";

const PUBLIC = new URL("../../public/", import.meta.url);

/** The run settings of lab_test.ts's TINY: 2 prompts x 4 completions of at most 24 tokens. */
const TINY = {
  backend: "wasm",
  image_size: 56,
  per_device_train_batch_size: 2,
  num_generations: 4,
  max_completion_length: 24,
  beta: 0.04,
  max_steps: 2,
};

/** Samples 0-3 of the count task, written as images/scene-i.png; line 3 of data.jsonl is cut short. */
async function writeDataset(dir: string) {
  await Deno.mkdir(`${dir}/images`);
  const samples = [0, 1, 2, 3].map(countSample);
  for (const [i, s] of samples.entries()) {
    await Deno.writeFile(`${dir}/images/scene-${i}.png`, await encodePng(s.image));
  }
  const lines = samples.map((s, i) => conversationLine(s, `scene-${i}.png`));
  const whole = conversationLine(countSample(9), "scene-9.png");
  const cut = whole.slice(0, whole.indexOf("<image>") + 10); // ends inside the prompt's string
  await Deno.writeTextFile(
    `${dir}/data.jsonl`,
    [lines[0], lines[1], cut, lines[2], lines[3]].join("\n") + "\n",
  );
  return samples;
}

/** `deno task data check`'s report of the same files under Deno (sharp, file: URLs), for `config`. */
async function denoReport(dir: string, config: RunConfig): Promise<string[]> {
  const text = await loadTextPipeline({ modelBase: new URL("models/", PUBLIC) });
  const shipped = JSON.parse(
    await Deno.readTextFile(new URL("checkpoints/tiny-sft/config.json", PUBLIC)),
  ) as { vocab_ids: number[] };
  const source = await DataSource.open(config.dataset, urlFiles(new URL(`file://${dir}/`)), {
    imageFolders: config.image_folders,
  });
  const report = await checkDataset(source, text, {
    limits: checkLimits(config, text),
    knownIds: new Set(shipped.vocab_ids),
  });
  return formatCheckReport(report, Infinity);
}

Deno.test("the browser lab in Chromium: a picked JSONL data set checked, refused, trained on; a custom reward", async (t) => {
  const dist = await buildLab();
  const dir = await Deno.makeTempDir({ prefix: "grpo-lab-e2e-data-" });
  const samples = await writeDataset(dir);
  const lab = await openLab(dist);
  const { page } = lab;
  try {
    await t.step("the picked data set's check is shown before Start, its bad line by number", async () => {
      await page.locator('input[aria-label="config file"]').setInputFiles(
        fileOf("tiny.json", "application/json", JSON.stringify({ ...TINY, task: "count" })),
      );
      await page.locator('input[aria-label="images folder"]').setInputFiles(`${dir}/images`);
      await page.locator('input[aria-label="data set file"]').setInputFiles(`${dir}/data.jsonl`);
      const status = page.locator("data-picker #data-status");
      await page.waitForFunction(() => globalThis.grpoLab.config().dataset === "data.jsonl");
      await page.waitForFunction(() => globalThis.grpoLab.dataCheck().state === "checked", null, {
        timeout: 60_000,
      });
      assertEquals(await status.textContent(), "not ok: 1 problem");
      assertEquals(
        await page.locator("data-picker #data-picked").textContent(),
        "data.jsonl with 4 files in images/",
      );
      const config = await page.evaluate(() => globalThis.grpoLab.config());
      assertEquals(config.image_folders, ["images", "."]);
      const shown = (await page.locator("data-picker #data-check").textContent())!.split("\n");
      assertEquals(shown[0], "data.jsonl (conversation JSONL): 5 lines, 4 valid, 1 with problems");
      assertEquals(
        shown[1],
        "images: 4 read; width min 112, median 112, max 112; height min 112, median 112, max 112",
      );
      assertEquals(shown.at(-2), "problems (1: 1 json):");
      assertEquals(
        shown.at(-1),
        "  data.jsonl:3: not valid JSON: Unterminated string (the line looks cut short)",
      );
      // The same lines as the check under Deno, token lengths and vision tokens included.
      assertEquals(shown, await denoReport(dir, config));
      const check = await page.evaluate(() => globalThis.grpoLab.dataCheck());
      assertEquals(check, { state: "checked", lines: shown, problems: 1, valid: 4, total: 5, message: "" });
    });

    await t.step("Start refuses the data set while it has problems, and says what to do", async () => {
      await page.getByRole("button", { name: "Start" }).click();
      const alert = page.locator("error-list .error").first();
      await alert.waitFor();
      assertEquals(
        await alert.locator(".what").textContent(),
        "data set data.jsonl: 1 of 5 samples have problems (1 json); fix them, or tick skip_invalid to " +
          "train on the 4 valid ones. data.jsonl:3: not valid JSON: Unterminated string (the line looks cut short)",
      );
      assertEquals(await page.evaluate(() => globalThis.grpoLab.status()), "idle");
      assertEquals(await page.evaluate(() => globalThis.grpoLab.metrics().length), 0);
      await screenshot(page, "lab-data-refused");
    });

    await t.step(
      "with skip_invalid a 2-step run trains on the 4 valid samples; groups show their images",
      async () => {
        await page.locator('data-picker input[name="skip_invalid"]').check();
        await page.waitForFunction(() => globalThis.grpoLab.config().skip_invalid);
        await page.getByRole("button", { name: "Start" }).click();
        await page.waitForFunction(() => globalThis.grpoLab.status() === "done", null, { timeout: 120_000 });
        assertEquals((await page.evaluate(() => globalThis.grpoLab.metrics())).map((m) => m.step), [1, 2]);
        const notes = await page.evaluate(() => globalThis.grpoLab.notes());
        assert(
          notes.some((n) => n.startsWith("data set data.jsonl (conversation JSONL): 4 samples checked in ")),
          notes.join("\n"),
        );
        assert(
          notes.some((n) => n.startsWith("skip_invalid: skipped 1 of 5 samples (1 json):\n  data.jsonl:3: ")),
          notes.join("\n"),
        );
        const groups = await page.evaluate(() => globalThis.grpoLab.groups());
        assertEquals(groups.length, 2);
        const sections = page.locator("group-browser section.group");
        for (let b = 0; b < 2; b++) {
          const i = samples.findIndex((s) => s.id === groups[b].prompt_id);
          assert(i >= 0, `group ${b}: ${groups[b].prompt_id} is none of the data set's ids`);
          assertEquals(groups[b].solution, samples[i].solution);
          const canvas = sections.nth(b).locator("sample-image canvas");
          await canvas.waitFor();
          assertEquals(await canvas.getAttribute("width"), "224");
          // The canvas shows the PNG's pixels (drawn 2x): compare every 8th pixel of every 8th row.
          const shown = await canvas.evaluate((c: HTMLCanvasElement) => {
            const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
            const out: number[] = [];
            for (let y = 0; y < 112; y += 8) {
              for (let x = 0; x < 112; x += 8) {
                const at = 4 * (2 * y * c.width + 2 * x);
                out.push(data[at], data[at + 1], data[at + 2]);
              }
            }
            return out;
          });
          const want: number[] = [];
          for (let y = 0; y < 112; y += 8) {
            for (let x = 0; x < 112; x += 8) {
              const at = 3 * (y * 112 + x);
              want.push(...samples[i].image.pixels.slice(at, at + 3));
            }
          }
          assertEquals(shown, want);
        }
        await screenshot(page, "lab-data-run");
      },
    );

    await t.step("a verl parquet file (images as bytes) is checked in the page as under Deno", async () => {
      const rows = [0, 1].map(async (i) => ({
        data_source: "count",
        prompt: [{ role: "user", content: `<image>${samples[i].prompt}` }],
        images: [{ bytes: await encodePng(samples[i].image), path: null }],
        ground_truth: samples[i].solution,
        index: i,
      }));
      await Deno.writeFile(`${dir}/verl.parquet`, verlFixture(await Promise.all(rows)));
      await page.locator('input[aria-label="data set file"]').setInputFiles(`${dir}/verl.parquet`);
      await page.waitForFunction(() => globalThis.grpoLab.dataCheck().state === "checked", null, {
        timeout: 60_000,
      });
      const check = await page.evaluate(() => globalThis.grpoLab.dataCheck());
      assertEquals(check.lines[0], "verl.parquet (verl parquet): 2 rows, 2 valid, 0 with problems");
      assertEquals(
        check.lines,
        await denoReport(dir, await page.evaluate(() => globalThis.grpoLab.config())),
      );
      assertEquals(await page.locator("data-picker #data-status").textContent(), "ok: no problems");
    });

    await t.step("a custom reward from a .js file is scored in the reward worker", async () => {
      await page.getByRole("button", { name: "Clear data set" }).click();
      await page.waitForFunction(() => globalThis.grpoLab.config().dataset === "");
      // A module without a default function is refused when it is added, with its name.
      await page.locator('input[aria-label="custom reward file"]').setInputFiles(
        fileOf("broken.js", "text/javascript", "export const reward = () => 1;\n"),
      );
      await page.waitForFunction(() => globalThis.grpoLab.errors().some((e) => e.message.includes("broken")));
      const broken = await page.evaluate(() => globalThis.grpoLab.errors().at(-1)!.message);
      const head = 'broken.js: custom reward "broken": ';
      const url = broken.slice(head.length, broken.indexOf(" has no default"));
      assert(/^blob:http:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]{36}$/.test(url), broken);
      assertEquals(
        broken,
        `${head}${url} has no default export that is a function (completion, sample) => number | null | ` +
          "Promise<number | null>",
      );
      assertEquals((await page.evaluate(() => globalThis.grpoLab.config())).reward_funcs, [
        "format",
        "accuracy",
      ]);
      await page.locator('input[aria-label="custom reward file"]').setInputFiles(
        fileOf(
          "length-reward.js",
          "text/javascript",
          "export default (completion) => completion.length / 100;\n",
        ),
      );
      await page.waitForFunction(() => globalThis.grpoLab.config().reward_funcs.includes("length_reward"));
      const config = await page.evaluate(() => globalThis.grpoLab.config());
      assertEquals(config.reward_funcs, ["format", "accuracy", "length_reward"]);
      assertEquals(config.reward_weights, [0.5, 1, 1]);
      assert((config.custom_rewards.length_reward as string).startsWith("blob:http://127.0.0.1:"));
      await page.locator('input[aria-label="weight of length_reward"]').evaluate((el: HTMLInputElement) => {
        el.value = "0.5";
        el.dispatchEvent(new Event("change", { bubbles: true }));
      });
      await page.waitForFunction(() => globalThis.grpoLab.config().reward_weights[2] === 0.5);
      await page.locator('input[name="max_steps"]').fill("1");
      await page.locator('input[name="max_steps"]').dispatchEvent("change");
      await page.getByRole("button", { name: "Start" }).click();
      await page.waitForFunction(() => globalThis.grpoLab.status() === "done", null, { timeout: 120_000 });
      const [metrics] = await page.evaluate(() => globalThis.grpoLab.metrics());
      const groups = await page.evaluate(() => globalThis.grpoLab.groups());
      const completions = groups.flatMap((g) => g.completions);
      assertEquals(completions.length, 8);
      for (const c of completions) {
        assertEquals(c.rewards.length_reward, c.text.length / 100);
      }
      const values = completions.map((c) => c.text.length / 100);
      assertEquals(metrics["rewards/length_reward/mean"], values.reduce((a, b) => a + b, 0) / values.length);
      assertEquals(await page.locator('group-browser td[data-reward="length_reward"]').count(), 8);
      // The exported config names the module by its file, which `deno task train` loads from the disk.
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name: "Export config" }).click(),
      ]);
      const exported = JSON.parse(await Deno.readTextFile(await download.path()));
      assertEquals(exported.custom_rewards, { length_reward: "length-reward.js" });
      assertEquals(exported.reward_funcs, ["format", "accuracy", "length_reward"]);
    });

    assertEquals(lab.consoleErrors.filter((e) => !e.includes("grpo-lab:") && !e.includes("404")), []);
  } finally {
    await lab.close();
    await Deno.remove(dist, { recursive: true });
    await Deno.remove(dir, { recursive: true });
  }
});
