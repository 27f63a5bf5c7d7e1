/**
 * DataSource and checkDataset over real files: PNGs written by the tests' own encoder and decoded by
 * sharp, image folders searched in order, missing and corrupt images named by line, token counts equal
 * to what the text pipeline feeds the model.
 */
import {
  blobFiles,
  checkDataset,
  DataSource,
  formatCheckReport,
  urlFiles,
} from "../../../../core/data/datasets/mod.ts";
import { loadTextPipeline } from "../../../../core/text/pipeline.ts";
import { taskVocabulary } from "../../../../core/text/vocabulary.ts";
import { assert, assertEquals } from "../../../assert.ts";
import { conversationLine, countSample, encodePng, writeCountJsonl } from "./fixtures.ts";

const text = await loadTextPipeline({ modelBase: new URL("../../../../public/models/", import.meta.url) });
const files = urlFiles(new URL("file:///"));
const LIMITS = {
  imageSize: 112,
  maxPromptLength: 512,
  maxCompletionLength: 64,
  minPixels: 3136,
  maxPixels: 200704,
};

Deno.test("DataSource.sample() reads the image lazily and gives the pixels that were written", async () => {
  const { dir, samples } = await writeCountJsonl(3);
  const source = await DataSource.open(`${dir}/data.jsonl`, files, { imageFolders: [`${dir}/images`] });
  assertEquals(source.records.length, 3);
  for (const [i, expected] of samples.entries()) {
    const s = await source.sample(i);
    assertEquals([s.id, s.task, s.prompt, s.solution, s.reference], [
      expected.id,
      "conversation",
      expected.prompt,
      expected.solution,
      expected.solution,
    ]);
    assertEquals([s.image.width, s.image.height], [112, 112]);
    assert(s.image.pixels.every((v, k) => v === expected.image.pixels[k]), `pixels of sample ${i} differ`);
    assertEquals(s.meta.source, `${dir}/data.jsonl:${i + 1}`);
  }
});

Deno.test("DataSource resolves images in the first folder that holds them, else the file's own folder", async () => {
  const { dir } = await writeCountJsonl(2);
  await Deno.mkdir(`${dir}/other`);
  const other = countSample(5);
  await Deno.writeFile(`${dir}/other/scene-1.png`, await encodePng(other.image));
  const first = await DataSource.open(`${dir}/data.jsonl`, files, {
    imageFolders: [`${dir}/other`, `${dir}/images`],
  });
  assertEquals(await first.imagePath(first.records[0]), `${dir}/images/scene-0.png`);
  assertEquals(await first.imagePath(first.records[1]), `${dir}/other/scene-1.png`);
  assertEquals((await first.sample(1)).image.pixels, other.image.pixels);
  const own = await DataSource.open(`${dir}/data.jsonl`, files);
  assertEquals(own.imageFolders, [dir]);
  let message = "";
  await own.sample(0).catch((e) => message = e.message);
  assertEquals(message, `${dir}/data.jsonl:1: image scene-0.png not found in the image folders (${dir})`);
});

Deno.test("checkDataset() counts tokens as the model reads them and names missing and corrupt images", async () => {
  const { dir, samples } = await writeCountJsonl(3);
  const png = await encodePng(countSample(3).image);
  await Deno.writeFile(`${dir}/images/truncated.png`, png.subarray(0, 60));
  await Deno.writeFile(`${dir}/images/noise.png`, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
  await Deno.writeFile(`${dir}/images/empty.png`, new Uint8Array(0));
  const extra = [
    conversationLine(countSample(3), "truncated.png"),
    conversationLine(countSample(4), "gone.png"),
    conversationLine(countSample(5), "noise.png"),
    conversationLine(countSample(6), "empty.png"),
  ];
  await Deno.writeTextFile(`${dir}/data.jsonl`, extra.join("\n") + "\n", { append: true });
  const source = await DataSource.open(`${dir}/data.jsonl`, files, { imageFolders: [`${dir}/images`] });
  const report = await checkDataset(source, text, { limits: LIMITS });
  assertEquals(report.valid, [0, 1, 2]);
  assertEquals(report.problems.map((p) => [p.where.replace(dir, "D"), p.kind]), [
    ["D/data.jsonl:4", "image"],
    ["D/data.jsonl:5", "image"],
    ["D/data.jsonl:6", "image"],
    ["D/data.jsonl:7", "image"],
  ]);
  const messages = report.problems.map((p) => p.message.replaceAll(dir, "D"));
  assert(messages[0].startsWith("image D/images/truncated.png cannot be decoded: "), messages[0]);
  assertEquals(messages[1], "image gone.png not found in the image folders (D/images)");
  assertEquals(
    messages[2],
    "image D/images/noise.png cannot be decoded: Input buffer contains unsupported image format",
  );
  assertEquals(messages[3], "image D/images/empty.png is empty (0 bytes)");
  // The prompt length the check reports is the length of the ids the model is fed.
  const fed = await Promise.all(samples.map((s) => text.encodePrompt(s, { imageSize: 112 })));
  const lengths = fed.map((p) => p.inputIds.length).sort((a, b) => a - b);
  assertEquals(report.promptTokens, { min: lengths[0], median: lengths[1], max: lengths[2] });
  assertEquals(report.images, {
    read: 3,
    width: { min: 112, median: 112, max: 112 },
    height: { min: 112, median: 112, max: 112 },
  });
  assertEquals(report.visionTokens, {
    lab: 16,
    native: { min: 16, median: 16, max: 16 },
    minPixels: 3136,
    maxPixels: 200704,
  });
  assertEquals(report.referenceTokens, { min: 2, median: 2, max: 2 }); // a digit and <|im_end|>
  const lines = formatCheckReport(report).map((l) => l.replaceAll(dir, "D"));
  assertEquals(lines[0], "D/data.jsonl (conversation JSONL): 7 lines, 3 valid, 4 with problems");
  assertEquals(lines[5], "problems (4: 4 image):");
  assertEquals(lines[7], "  D/data.jsonl:5: image gone.png not found in the image folders (D/images)");
});

Deno.test("checkDataset() sizes images of any shape and counts Qwen2-VL's vision tokens for each", async () => {
  const dir = await Deno.makeTempDir();
  const sizes = [[640, 480], [42, 70], [30, 30]];
  const lines = [];
  for (const [k, [w, h]] of sizes.entries()) {
    const pixels = new Uint8Array(w * h * 3).map((_, i) => (i * 31) % 256);
    await Deno.writeFile(`${dir}/${k}.png`, await encodePng({ width: w, height: h, pixels }));
    lines.push(conversationLine(countSample(k), `${k}.png`));
  }
  await Deno.writeTextFile(`${dir}/d.jsonl`, lines.join("\n"));
  const source = await DataSource.open(`${dir}/d.jsonl`, files);
  const report = await checkDataset(source, text, { limits: LIMITS });
  assertEquals(report.problems, []);
  assertEquals(report.images.width, { min: 30, median: 42, max: 640 });
  assertEquals(report.images.height, { min: 30, median: 70, max: 480 });
  // transformers' smart_resize: 640x480 -> 504x364 (234 tokens), 42x70 -> 56x56 (4), 30x30 -> 56x56 (4).
  assertEquals(report.visionTokens.native, { min: 4, median: 4, max: 234 });
  const decoded = await source.sample(0);
  assertEquals(decoded.image.pixels.slice(0, 6), new Uint8Array([0, 31, 62, 93, 124, 155]));
});

Deno.test("checkDataset() names text the tiny model's vocabulary lacks and prompts over max_prompt_length", async () => {
  const dir = await Deno.makeTempDir();
  const s = countSample(0);
  await Deno.writeFile(`${dir}/a.png`, await encodePng(s.image));
  await Deno.writeTextFile(
    `${dir}/d.jsonl`,
    [
      conversationLine({ ...s, prompt: "What is the capital of France?" }, "a.png"),
      conversationLine(s, "a.png"),
      conversationLine(s, "a.png", "Paris"),
    ].join("\n"),
  );
  const source = await DataSource.open(`${dir}/d.jsonl`, files);
  const report = await checkDataset(source, text, {
    limits: { ...LIMITS, maxPromptLength: 40 },
    knownIds: new Set(taskVocabulary(text)),
  });
  assertEquals(report.valid, [1]);
  assertEquals(report.problems.map((p) => `${p.where.replace(dir, "D")} ${p.kind}: ${p.message}`), [
    `D/d.jsonl:1 vocabulary: the prompt has tokens the model's vocabulary lacks (" capital", " France"); this model knows only the synthetic tasks' words`,
    `D/d.jsonl:3 vocabulary: the answer has tokens the model's vocabulary lacks ("Paris"); this model knows only the synthetic tasks' words`,
  ]);
  const strict = await checkDataset(source, text, { limits: { ...LIMITS, maxPromptLength: 30 } });
  assertEquals(strict.problems.map((p) => p.message), [
    `prompt is 33 tokens (16 of them the image), over max_prompt_length=30`,
    `prompt is 33 tokens (16 of them the image), over max_prompt_length=30`,
    `prompt is 33 tokens (16 of them the image), over max_prompt_length=30`,
  ]);
});

Deno.test("DataSource reads a data set and its images from files held in memory (a browser's folder pick)", async () => {
  const samples = [0, 1].map(countSample);
  const jsonl = samples.map((s, i) => conversationLine(s, `scene-${i}.png`)).join("\n");
  const held = new Map<string, Blob>([
    ["mine/data.jsonl", new Blob([jsonl])],
    ["mine/images/scene-0.png", new Blob([await encodePng(samples[0].image)])],
    ["mine/images/scene-1.png", new Blob([await encodePng(samples[1].image)])],
  ]);
  const source = await DataSource.open("mine/data.jsonl", blobFiles(held), {
    imageFolders: ["./mine/images"],
  });
  assertEquals((await source.sample(1)).image.pixels, samples[1].image.pixels);
  const bare = await DataSource.open("mine/data.jsonl", blobFiles(held));
  let message = "";
  await bare.sample(0).catch((e) => message = e.message);
  assertEquals(message, "mine/data.jsonl:1: image scene-0.png not found in the image folders (mine)");
});

Deno.test("formatCheckReport() says how many prompts had text before <image>", async () => {
  const dir = await Deno.makeTempDir();
  const s = countSample(0);
  await Deno.writeFile(`${dir}/a.png`, await encodePng(s.image));
  const moved = JSON.stringify({
    image: "a.png",
    conversations: [{ from: "human", value: `Look: <image> ${s.prompt}` }, { from: "gpt", value: "1" }],
  });
  await Deno.writeTextFile(`${dir}/d.jsonl`, [conversationLine(s, "a.png"), moved].join("\n"));
  const report = await checkDataset(await DataSource.open(`${dir}/d.jsonl`, files), text, { limits: LIMITS });
  assertEquals(report.imageMoved, 1);
  assertEquals(
    formatCheckReport(report)[5],
    "note: 1 prompts have text before <image>; the chat template puts the image first (the lab's models " +
      "take the image at the start of the user turn)",
  );
});
