/**
 * deno task data check and deno task train on a conversation JSONL data set, as a user runs them: real
 * PNG files, the real tokenizer, the shipped checkpoint, exit codes and messages that name the line.
 */
import { assert, assertEquals } from "../../assert.ts";
import { cli } from "./run_cli.ts";
import {
  conversationLine,
  countSample,
  encodePng,
  geometryFixture,
  writeCountJsonl,
} from "../../core/data/datasets/fixtures.ts";

/** data/train.jsonl with n count scenes in data/images/, plus the bad lines given. */
async function dataset(n: number, bad: string[] = []): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "grpo-lab-cli-" });
  await writeCountJsonl(n, `${dir}/data`);
  await Deno.rename(`${dir}/data/data.jsonl`, `${dir}/data/train.jsonl`);
  if (bad.length > 0) {
    await Deno.writeTextFile(`${dir}/data/train.jsonl`, bad.join("\n") + "\n", { append: true });
  }
  return dir;
}

const BAD = [
  conversationLine(countSample(20), "missing.png"),
  `{"id": "cut", "image": "scene-0.png", "conversations": [{"from": "hu`,
  JSON.stringify({ id: "clip", video: "clip.mp4", conversations: [] }),
];

Deno.test("data check prints counts, sizes and token lengths and exits 0 on a clean data set", async () => {
  const dir = await dataset(6);
  const r = await cli("data.ts", ["check", "data/train.jsonl", "--image-folders", "data/images"], dir);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stdout.trim().split("\n"), [
    "data/train.jsonl (conversation JSONL): 6 lines, 6 valid, 0 with problems",
    "images: 6 read; width min 112, median 112, max 112; height min 112, median 112, max 112",
    "prompt tokens (chat template, image at image_size=112 = 16 tokens): min 33, median 33, max 33; limit max_prompt_length=512",
    "answer tokens: min 2, median 2, max 2; 0 over max_completion_length=64",
    "vision tokens per image: 16 as the lab feeds it (image_size=112); as Qwen2-VL's processor would at native size (min_pixels=3136, max_pixels=200704): min 16, median 16, max 16",
    "vocabulary: not checked (give --checkpoint to check against a small model's tokens)",
    "ok: no problems",
  ]);
  assert(r.stderr.includes("check  [########################]  6/6"), r.stderr);
});

Deno.test("data check names each bad line's problem and exits 1; a missing file is an error", async () => {
  const dir = await dataset(4, BAD);
  const r = await cli("data.ts", [
    "check",
    "data/train.jsonl",
    "image_folders=data/images",
    "--checkpoint",
    "public/checkpoints/tiny-sft",
  ], dir);
  assertEquals(r.code, 1, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assertEquals(lines[0], "data/train.jsonl (conversation JSONL): 7 lines, 4 valid, 3 with problems");
  assertEquals(lines.slice(5), [
    "problems (3: 1 image, 1 json, 1 video):",
    "  data/train.jsonl:5: image missing.png not found in the image folders (data/images)",
    "  data/train.jsonl:6: not valid JSON: Unterminated string (the line looks cut short)",
    '  data/train.jsonl:7: has a "video" key: video is not supported',
    "not ok: 3 problems",
  ]);
  const missing = await cli("data.ts", ["check", "nope.jsonl"], dir);
  assertEquals(missing.code, 1);
  assert(
    missing.stderr.startsWith("error: data set nope.jsonl cannot be read: cannot read "),
    missing.stderr,
  );
  const none = await cli("data.ts", ["check"], dir);
  assertEquals([none.code, none.stderr.split("\n")[0]], [2, "error: no data set given"]);
});

const TRAIN = [
  "max_steps=2",
  "per_device_train_batch_size=2",
  "num_generations=2",
  "max_completion_length=16",
  "save_steps=0",
  "logging_steps=1",
  "--backend",
  "wasm",
];

Deno.test("train reads a conversation data set, refuses one with problems, and skips them when told", async () => {
  const dir = await dataset(6, BAD);
  const refused = await cli("train.ts", [
    "dataset=data/train.jsonl",
    "image_folders=data/images",
    ...TRAIN,
    "--out",
    "a",
  ], dir);
  assertEquals(refused.code, 1);
  assert(
    refused.stderr.includes(
      "error: data set data/train.jsonl (conversation JSONL): 3 of 9 samples have problems (1 image, 1 json, " +
        "1 video); fix them, or set skip_invalid=true to train on the 6 valid ones\n" +
        "  data/train.jsonl:7: image missing.png not found in the image folders (data/images)\n" +
        "  data/train.jsonl:8: not valid JSON: Unterminated string (the line looks cut short)\n" +
        '  data/train.jsonl:9: has a "video" key: video is not supported\n',
    ),
    refused.stderr,
  );
  const r = await cli("train.ts", [
    "dataset=data/train.jsonl",
    "image_folders=data/images",
    "skip_invalid=true",
    ...TRAIN,
    "--out",
    "b",
  ], dir);
  assertEquals(r.code, 0, r.stderr);
  assert(r.stderr.includes("skip_invalid: skipped 3 of 9 samples (1 image, 1 json, 1 video):\n"), r.stderr);
  assert(
    r.stderr.includes("data set data/train.jsonl (conversation JSONL): 6 samples checked in "),
    r.stderr,
  );
  assert(r.stderr.includes("; data set data/train.jsonl; 2 prompts x 2 completions per step"), r.stderr);
  const metrics = (await Deno.readTextFile(`${dir}/b/metrics.jsonl`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assertEquals(metrics.map((m) => m.step), [1, 2]);
  // The logged groups are the data set's samples: their prompts and solutions as written.
  const groups = (await Deno.readTextFile(`${dir}/b/samples.jsonl`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  const written = new Set(Array.from({ length: 6 }, (_, i) => countSample(i).id));
  assertEquals(groups.length, 4);
  for (const g of groups) {
    assert(written.has(g.prompt_id), `group of ${g.prompt_id} is not a data set sample`);
    assertEquals(g.task, "conversation");
  }
});

Deno.test("train refuses text outside the tiny model's vocabulary, naming the line", async () => {
  const dir = await dataset(2);
  const s = countSample(9);
  await Deno.writeFile(`${dir}/data/images/x.png`, await encodePng(s.image));
  await Deno.writeTextFile(
    `${dir}/data/train.jsonl`,
    conversationLine({ ...s, prompt: "Which animal is this?" }, "x.png") + "\n",
    { append: true },
  );
  const r = await cli("train.ts", [
    "dataset=data/train.jsonl",
    "image_folders=data/images",
    ...TRAIN,
    "--out",
    "c",
  ], dir);
  assertEquals(r.code, 1);
  assert(
    r.stderr.includes(
      '  data/train.jsonl:3: the prompt has tokens the model\'s vocabulary lacks ("Which", " animal"); ' +
        "this model knows only the synthetic tasks' words",
    ),
    r.stderr,
  );
});

Deno.test("data export --to verl writes train/test parquet that data check and train read", async () => {
  const dir = await dataset(8);
  const r = await cli("data.ts", [
    "export",
    "--to",
    "verl",
    "--out",
    "exp",
    "data/train.jsonl",
    "--image-folders",
    "data/images",
    "test_ratio=0.25",
  ], dir);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stdout.trim().split("\n"), ["exp/train.parquet: 6 rows", "exp/test.parquet: 2 rows"]);
  // Exporting again into the same folder is refused unless --overwrite (issue 11): nothing is replaced.
  const exportArgs = [
    "export",
    "--to",
    "verl",
    "--out",
    "exp",
    "data/train.jsonl",
    "--image-folders",
    "data/images",
  ];
  const before = await Deno.readFile(`${dir}/exp/train.parquet`);
  const again = await cli("data.ts", exportArgs, dir);
  assertEquals([again.code, again.stderr.trim()], [
    1,
    "error: output folder exp is not empty: pass --overwrite to replace it, or another --out",
  ]);
  assertEquals(await Deno.readFile(`${dir}/exp/train.parquet`), before);
  const replaced = await cli("data.ts", [...exportArgs, "--overwrite", "test_ratio=0.25"], dir);
  assertEquals(replaced.code, 0, replaced.stderr);
  const check = await cli("data.ts", ["check", "exp/test.parquet"], dir);
  assertEquals(check.code, 0, check.stderr);
  assertEquals(
    check.stdout.split("\n")[0],
    "exp/test.parquet (verl parquet): 2 rows, 2 valid, 0 with problems",
  );
  const train = await cli(
    "train.ts",
    ["dataset=exp/train.parquet", ...TRAIN, "max_steps=1", "--out", "t"],
    dir,
  );
  assertEquals(train.code, 0, train.stderr);
  assert(
    train.stderr.includes("data set exp/train.parquet (verl parquet): 6 samples checked in "),
    train.stderr,
  );
  const bad = await cli("data.ts", ["export", "--to", "csv", "--out", "x", "data/train.jsonl"], dir);
  assertEquals([bad.code, bad.stderr.trim()], [
    2,
    'error: data export needs --to verl (the one target so far), got "csv"',
  ]);
});

Deno.test("train reads a Geometry3K parquet file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "grpo-lab-cli-" });
  const rows = await Promise.all([0, 1, 2, 3].map(async (i) => ({
    image: await encodePng(countSample(i).image),
    problem: `<image>${countSample(i).prompt}`,
    answer: countSample(i).solution,
  })));
  await Deno.writeFile(`${dir}/geo.parquet`, geometryFixture(rows));
  const r = await cli("train.ts", ["dataset=geo.parquet", ...TRAIN, "max_steps=1", "--out", "g"], dir);
  assertEquals(r.code, 0, r.stderr);
  assert(r.stderr.includes("data set geo.parquet (Geometry3K parquet): 4 samples checked in "), r.stderr);
  const groups = (await Deno.readTextFile(`${dir}/g/samples.jsonl`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assertEquals(groups.map((g) => g.task), ["geometry3k", "geometry3k"]);
});

Deno.test("sft trains on a data set's answer turns", async () => {
  const dir = await dataset(4);
  const r = await cli("sft.ts", [
    "dataset=data/train.jsonl",
    "image_folders=data/images",
    "max_steps=2",
    "per_device_train_batch_size=2",
    "--backend",
    "wasm",
    "--out",
    "s",
  ], dir);
  assertEquals(r.code, 0, r.stderr);
  assert(
    r.stderr.includes("data set data/train.jsonl (conversation JSONL): 4 samples checked in "),
    r.stderr,
  );
  const metrics = (await Deno.readTextFile(`${dir}/s/metrics.jsonl`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  // Each step's completions are two answers of one digit each plus <|im_end|>.
  assertEquals(metrics.map((m) => [m.step, m.tokens]), [[1, 4], [2, 4]]);
});

Deno.test("data check model_name_or_path=FOLDER counts tokens with the folder's own chat template", async () => {
  const dir = await dataset(2);
  const model = `${dir}/model`;
  await Deno.mkdir(model);
  // A folder transformers saved (no vocab_ids: every token id is the model's), with a tokenizer added.
  const shipped = new URL("../../models/qwen2_vl/pretrained/hf_f32/", import.meta.url).pathname;
  const qwen = new URL("../../../public/models/qwen/", import.meta.url).pathname;
  await Deno.copyFile(`${shipped}config.json`, `${model}/config.json`);
  await Deno.copyFile(`${shipped}model.safetensors`, `${model}/model.safetensors`);
  await Deno.copyFile(`${qwen}tokenizer.json`, `${model}/tokenizer.json`);
  const tokenizerConfig = JSON.parse(await Deno.readTextFile(`${qwen}tokenizer_config.json`));
  // transformers 5 keeps the template in chat_template.jinja; this one adds a system turn of 4 words.
  const template = "{{- '<|im_start|>system\\nYou count things.<|im_end|>\\n' }}" +
    tokenizerConfig.chat_template;
  delete tokenizerConfig.chat_template;
  await Deno.writeTextFile(`${model}/tokenizer_config.json`, JSON.stringify(tokenizerConfig));
  await Deno.writeTextFile(`${model}/chat_template.jinja`, template);
  const r = await cli(
    "data.ts",
    ["check", "data/train.jsonl", "--image-folders", "data/images", "model_name_or_path=model"],
    dir,
  );
  assertEquals(r.code, 0, r.stderr);
  // 33 tokens with the built-in template (above); the system turn adds 9: <|im_start|> system \n You
  // count things . <|im_end|> \n.
  assert(r.stdout.includes("image at image_size=112 = 16 tokens): min 42, median 42, max 42"), r.stdout);
  assert(r.stderr.includes(`note: ${model} has no preprocessor_config.json`), r.stderr);
});
