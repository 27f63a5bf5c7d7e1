/**
 * verl and Geometry3K parquet, written by hyparquet-writer in the tests and read back: records exact,
 * image bytes kept, bad rows named by row, and the verl export read back as what was written.
 */
import {
  DatasetError,
  DataSource,
  readParquetDataset,
  urlFiles,
  verlParquet,
} from "../../../../core/data/datasets/mod.ts";
import { assertEquals, assertRejects } from "../../../assert.ts";
import { countSample, encodePng, geometryFixture, verlFixture, type VerlFixtureRow } from "./fixtures.ts";

const png = async (i: number) => await encodePng(countSample(i).image);
const user = (content: string) => [{ role: "user", content }];

Deno.test("readParquetDataset() reads verl's layout: prompt, image bytes, ground truth, data source, index", async () => {
  const images = [await png(0), await png(1)];
  const file = verlFixture([
    {
      data_source: "hiyouga/geometry3k",
      prompt: user(`<image>${countSample(0).prompt}`),
      images: [{ bytes: images[0], path: null }],
      ground_truth: "2",
      index: 10,
    },
    {
      data_source: "hiyouga/geometry3k",
      prompt: user(`<image>${countSample(1).prompt}`),
      images: [{ bytes: null, path: "scene-1.png" }],
      ground_truth: "[1, 2, 30, 40]",
      index: 11,
    },
  ]);
  const parsed = await readParquetDataset(file, "v.parquet");
  assertEquals(parsed.format, "verl parquet");
  assertEquals(parsed.problems, []);
  assertEquals(parsed.records, [
    {
      id: "hiyouga/geometry3k-10",
      where: "v.parquet row 0",
      at: 0,
      task: "hiyouga/geometry3k",
      prompt: countSample(0).prompt,
      solution: "2",
      reference: "2",
      image: { kind: "bytes", bytes: images[0], name: "v.parquet row 0 image" },
      meta: {
        data_source: "hiyouga/geometry3k",
        ability: "math",
        reward_style: "rule",
        extra_info: { split: "train", index: 10 },
      },
    },
    {
      id: "hiyouga/geometry3k-11",
      where: "v.parquet row 1",
      at: 1,
      task: "hiyouga/geometry3k",
      prompt: countSample(1).prompt,
      solution: "[1, 2, 30, 40]",
      reference: "[1, 2, 30, 40]",
      image: { kind: "path", path: "scene-1.png" },
      meta: {
        data_source: "hiyouga/geometry3k",
        ability: "math",
        reward_style: "rule",
        extra_info: { split: "train", index: 11 },
      },
    },
  ]);
});

Deno.test("readParquetDataset() names each bad verl row and keeps the good ones", async () => {
  const image: VerlFixtureRow["images"] = [{ bytes: await png(0), path: null }];
  const row = (prompt: { role: string; content: string }[], images = image) => ({
    data_source: "d",
    prompt,
    images,
    ground_truth: "1",
    index: 0,
  });
  const file = verlFixture([
    row(user("<image>How many red circles are there?")),
    row([{ role: "system", content: "Think." }, { role: "user", content: "<image>q" }]),
    row(user("no placeholder")),
    row(user("<image>q"), [...image, ...image]),
    row(user("<image>q"), []),
    row(user("<image>q"), [{ bytes: null, path: null }]),
    row(user("<image>Last")),
  ]);
  const parsed = await readParquetDataset(file, "v.parquet");
  assertEquals(parsed.records.map((r) => r.where), ["v.parquet row 0", "v.parquet row 6"]);
  assertEquals(parsed.problems.map((p) => `${p.where}: ${p.message}`), [
    "v.parquet row 1: prompt must be one user message (the chat template here has no system turn); got system, user",
    "v.parquet row 2: prompt[0].content has 0 <image> placeholders; one is needed, where the image goes",
    "v.parquet row 3: images holds 2 images: the lab's models read one image per sample",
    "v.parquet row 4: images is empty: every sample needs one image",
    "v.parquet row 5: images[0] has neither bytes nor a path",
  ]);
});

Deno.test("readParquetDataset() reads Geometry3K's layout, choices shown in the prompt", async () => {
  const images = [await png(2), await png(3)];
  const plain = await readParquetDataset(
    geometryFixture([{ image: images[0], problem: "<image>Find x.", answer: "3" }]),
    "g.parquet",
  );
  assertEquals(plain.format, "Geometry3K parquet");
  assertEquals(plain.records.map((r) => [r.id, r.task, r.prompt, r.solution, r.meta]), [
    ["g.parquet#0", "geometry3k", "Find x.", "3", {}],
  ]);
  assertEquals(plain.records[0].image, { kind: "bytes", bytes: images[0], name: "g.parquet row 0 image" });
  const choices = await readParquetDataset(
    geometryFixture([
      { image: images[0], problem: "<image>Find y.", answer: "B", choices: ["2", "4", "6", "8"] },
      { image: images[1], problem: "<image>Find z.", answer: "2" },
    ], true),
    "c.parquet",
  );
  assertEquals(choices.records.map((r) => [r.prompt, r.solution, r.meta]), [
    ["Find y.\nChoices: (A) 2 (B) 4 (C) 6 (D) 8", "B", { choices: ["2", "4", "6", "8"] }],
    ["Find z.", "2", {}],
  ]);
});

Deno.test("readParquetDataset() refuses a file that is not parquet, or of neither layout, naming it", async () => {
  await assertRejects(
    () => readParquetDataset(new TextEncoder().encode("id,text\n1,a\n"), "x.parquet"),
    DatasetError,
    "x.parquet is not a readable parquet file: ",
  );
  await assertRejects(
    () => readParquetDataset(new Uint8Array(0), "e.parquet"),
    DatasetError,
    "e.parquet is not",
  );
  const { ByteWriter, parquetWrite } = await import("hyparquet-writer");
  const writer = new ByteWriter();
  parquetWrite({ writer, columnData: [{ name: "text", data: ["a"] }, { name: "label", data: [1] }] });
  await assertRejects(
    () => readParquetDataset(new Uint8Array(writer.getBuffer()), "o.parquet"),
    DatasetError,
    "o.parquet: columns text, label are neither verl's layout (prompt, reward_model, images, data_source) " +
      "nor Geometry3K's (images or image, problem or question, answer)",
  );
});

Deno.test("DataSource reads parquet images from the file's bytes or from the image folders", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/img`);
  await Deno.writeFile(`${dir}/img/scene-1.png`, await png(1));
  await Deno.writeFile(
    `${dir}/v.parquet`,
    verlFixture([
      {
        data_source: "d",
        prompt: user("<image>q"),
        images: [{ bytes: await png(0), path: "a.png" }],
        ground_truth: "1",
        index: 0,
      },
      {
        data_source: "d",
        prompt: user("<image>q"),
        images: [{ bytes: null, path: "scene-1.png" }],
        ground_truth: "1",
        index: 1,
      },
    ]),
  );
  const source = await DataSource.open(`${dir}/v.parquet`, urlFiles(new URL("file:///")), {
    imageFolders: [`${dir}/img`],
  });
  assertEquals((await source.sample(0)).image.pixels, countSample(0).image.pixels);
  assertEquals((await source.sample(1)).image.pixels, countSample(1).image.pixels);
});

Deno.test("verlParquet() writes what the verl reader reads back: prompt, image bytes, ground truth, extra_info", async () => {
  const records = [0, 1, 2].map((i) => ({
    id: `count-0-${i}`,
    where: `d.jsonl:${i + 1}`,
    at: i + 1,
    task: "conversation",
    prompt: countSample(i).prompt,
    solution: countSample(i).solution,
    reference: countSample(i).solution,
    image: { kind: "path" as const, path: `scene-${i}.png` },
    meta: {},
  }));
  const rows = await Promise.all(
    records.map(async (record, i) => ({ record, image: await png(i), width: 112, height: 112 })),
  );
  const parsed = await readParquetDataset(verlParquet(rows, "train"), "train.parquet");
  assertEquals(parsed.format, "verl parquet");
  assertEquals(parsed.problems, []);
  assertEquals(
    parsed.records.map((r) => [r.id, r.task, r.prompt, r.solution]),
    records.map((r) => [r.id, "conversation", r.prompt, r.solution]),
  );
  for (const [i, r] of parsed.records.entries()) {
    assertEquals(r.image, { kind: "bytes", bytes: rows[i].image, name: `train.parquet row ${i} image` });
    assertEquals(r.meta, {
      data_source: "conversation",
      ability: "vision",
      reward_style: "rule",
      extra_info: {
        split: "train",
        index: i,
        id: records[i].id,
        question: records[i].prompt,
        answer: records[i].solution,
        image_size: [112, 112],
      },
    });
  }
});
