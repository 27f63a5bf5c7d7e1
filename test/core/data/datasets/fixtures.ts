/**
 * Data set fixtures the tests write themselves: PNG files from the lab's own encoder (core/data/png.ts:
 * zlib through CompressionStream, so the decoder under test, sharp, never wrote them), conversation
 * JSONL built from the count task's scenes, whose words the tiny model knows, and parquet files written
 * by hyparquet-writer.
 */
import { ByteWriter, parquetWrite } from "hyparquet-writer";
import { makeSample } from "../../../../core/data/registry.ts";
import type { Sample } from "../../../../core/data/sample.ts";
export { encodePng } from "../../../../core/data/png.ts";
import { encodePng } from "../../../../core/data/png.ts";

/** Count-task sample i of training seed 0 (a 112 x 112 scene). */
export function countSample(i: number): Sample {
  return makeSample("count", 0, i);
}

/** A conversation JSONL line for a sample: the image by file name, the answer turn as given. */
export function conversationLine(sample: Sample, image: string, answer = sample.solution): string {
  return JSON.stringify({
    id: sample.id,
    image,
    conversations: [
      { from: "human", value: `<image>\n${sample.prompt}` },
      { from: "gpt", value: answer },
    ],
  });
}

/**
 * A folder with images/ (n count scenes as PNG) and data.jsonl, one line per scene. Returns the folder
 * and the samples written.
 */
export async function writeCountJsonl(n: number, dir?: string): Promise<{ dir: string; samples: Sample[] }> {
  dir ??= await Deno.makeTempDir({ prefix: "grpo-lab-data-" });
  await Deno.mkdir(`${dir}/images`, { recursive: true });
  const samples = Array.from({ length: n }, (_, i) => countSample(i));
  const lines = [];
  for (const [i, s] of samples.entries()) {
    await Deno.writeFile(`${dir}/images/scene-${i}.png`, await encodePng(s.image));
    lines.push(conversationLine(s, `scene-${i}.png`));
  }
  await Deno.writeTextFile(`${dir}/data.jsonl`, lines.join("\n") + "\n");
  return { dir, samples };
}

const utf8 = (name: string) => ({
  name,
  type: "BYTE_ARRAY",
  converted_type: "UTF8",
  repetition_type: "OPTIONAL",
});
const list = (name: string, children: number) => [
  { name, repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  { name: "element", repetition_type: "OPTIONAL", num_children: children },
];
/** A Hugging Face datasets Image() column: a list of {bytes, path}. */
const imageList = (name: string) => [
  ...list(name, 2),
  { name: "bytes", type: "BYTE_ARRAY", repetition_type: "OPTIONAL" },
  utf8("path"),
];

export interface VerlFixtureRow {
  data_source: string;
  prompt: { role: string; content: string }[];
  images: { bytes: Uint8Array | null; path: string | null }[];
  ground_truth: string;
  index: number;
}

/**
 * A parquet file in verl's layout as verl's geo3k.py writes it (through Hugging Face datasets), written
 * with hyparquet-writer: data_source, prompt, images, ability, reward_model, extra_info.
 */
export function verlFixture(rows: VerlFixtureRow[]): Uint8Array {
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    columnData: [
      { name: "data_source", data: rows.map((r) => r.data_source) },
      { name: "prompt", data: rows.map((r) => r.prompt) },
      { name: "images", data: rows.map((r) => r.images) },
      { name: "ability", data: rows.map(() => "math") },
      { name: "reward_model", data: rows.map((r) => ({ style: "rule", ground_truth: r.ground_truth })) },
      { name: "extra_info", data: rows.map((r) => ({ split: "train", index: BigInt(r.index) })) },
    ],
    schema: [
      { name: "root", num_children: 6 },
      utf8("data_source"),
      ...list("prompt", 2),
      utf8("role"),
      utf8("content"),
      ...imageList("images"),
      utf8("ability"),
      { name: "reward_model", repetition_type: "OPTIONAL", num_children: 2 },
      utf8("style"),
      utf8("ground_truth"),
      { name: "extra_info", repetition_type: "OPTIONAL", num_children: 2 },
      utf8("split"),
      { name: "index", type: "INT64", repetition_type: "OPTIONAL" },
    ] as Schema,
  });
  return new Uint8Array(writer.getBuffer());
}

export interface GeometryFixtureRow {
  image: Uint8Array;
  problem: string;
  answer: string;
  choices?: string[];
}

/** A parquet file in hiyouga/geometry3k's layout (images, problem, answer), plus choices when given. */
export function geometryFixture(rows: GeometryFixtureRow[], withChoices = false): Uint8Array {
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    columnData: [
      { name: "images", data: rows.map((r) => [{ bytes: r.image, path: null }]) },
      { name: "problem", data: rows.map((r) => r.problem) },
      { name: "answer", data: rows.map((r) => r.answer) },
      ...(withChoices ? [{ name: "choices", data: rows.map((r) => r.choices ?? null) }] : []),
    ],
    schema: [
      { name: "root", num_children: withChoices ? 4 : 3 },
      ...imageList("images"),
      utf8("problem"),
      utf8("answer"),
      ...(withChoices
        ? [
          { name: "choices", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
          { name: "list", repetition_type: "REPEATED", num_children: 1 },
          utf8("element"),
        ]
        : []),
    ] as Schema,
  });
  return new Uint8Array(writer.getBuffer());
}

type Schema = Parameters<typeof parquetWrite>[0]["schema"];
