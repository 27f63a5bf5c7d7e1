/**
 * TrainerSession on a data set given as files in memory (what the browser lab passes to init() after a
 * pick): the data set and its images are read through blobFiles, never from disk.
 */
import { assertEquals, assertRejects } from "../../assert.ts";
import { DENO_ASSETS } from "../../helpers/assets.ts";
import { TrainerSession } from "../../../core/train/session.ts";
import { testConfig } from "../../helpers/tiny_lab.ts";
import { conversationLine, countSample, encodePng } from "../data/datasets/fixtures.ts";

const CONFIG = {
  backend: "wasm",
  image_size: 56,
  per_device_train_batch_size: 2,
  num_generations: 2,
  max_completion_length: 4,
  dataset: "picked.jsonl",
  image_folders: ["pics"],
} as const;

Deno.test("init() with dataFiles trains on files held in memory; a file missing there is named", async () => {
  const samples = [3, 4].map(countSample);
  const files = new Map<string, Blob>([
    ["picked.jsonl", new Blob([samples.map((s, i) => conversationLine(s, `s${i}.png`)).join("\n")])],
  ]);
  for (const [i, s] of samples.entries()) files.set(`pics/s${i}.png`, new Blob([await encodePng(s.image)]));
  const s = new TrainerSession();
  try {
    const info = await s.init(testConfig(CONFIG), DENO_ASSETS, undefined, undefined, files);
    assertEquals(
      info.notes.at(-1)!.replace(/checked in [0-9.]+ s/, "checked in T s"),
      "data set picked.jsonl (conversation JSONL): 2 samples checked in T s; all of them train and evaluate " +
        "(test_ratio 0)",
    );
    const report = await s.grpoStep();
    assertEquals(report.groups.map((g) => g.prompt_id).sort(), samples.map((x) => x.id).sort());
    files.delete("pics/s1.png");
    await assertRejects(
      () => s.init(testConfig(CONFIG), DENO_ASSETS, undefined, undefined, files),
      Error,
      "picked.jsonl:2: image s1.png not found in the image folders (pics)",
    );
  } finally {
    await s.dispose();
  }
});
