/**
 * deno task score: the line parser in-process, then the command as a user runs it (a subprocess in a
 * temporary working directory, real files, exit codes).
 */
import { assert, assertEquals, assertThrows } from "../../assert.ts";
import { float32Json } from "../../../app/cli/reward_scoring.ts";
import { FieldError, parseScoreLine } from "../../../app/cli/score_input.ts";

const SCORE = new URL("../../../app/cli/score.ts", import.meta.url).pathname;

async function score(args: string[], cwd: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCORE, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

const jsonLines = (text: string) => text.trim().split("\n").map((l) => JSON.parse(l));

Deno.test("parseScoreLine() builds the sample and keeps unknown keys apart", () => {
  const parsed = parseScoreLine(
    JSON.stringify({
      completion: "<answer>3</answer>",
      solution: "3",
      task: "count",
      image_size: [56, 28],
      explanations: ["three dots"],
      meta: { count: 3 },
      model: "m1",
    }),
    7,
  );
  assertEquals(parsed.id, 7);
  assertEquals(parsed.extra, { model: "m1" });
  assertEquals(parsed.row, {
    completion: "<answer>3</answer>",
    sample: {
      id: "7",
      task: "count",
      prompt: "",
      solution: "3",
      reference: "",
      meta: { count: 3 },
      imageSize: [56, 28],
      explanations: ["three dots"],
    },
  });
});

Deno.test("parseScoreLine() names the field at fault when a line is malformed", () => {
  const cases: [string, string, string][] = [
    ['{"completion": "x"', "line", "not valid JSON: Expected ',' or '}' after property value (column 19)"],
    ["[1, 2]", "line", "expected a JSON object, got an array"],
    ['{"completion": "x"}', "solution", '"solution" is missing (a string is required)'],
    ['{"completion": 3, "solution": "3"}', "completion", '"completion" must be a string, got a number (3)'],
    [
      '{"completion": "x", "solution": "3", "image_size": [0, 5]}',
      "image_size",
      '"image_size" must be [width, height] (two numbers > 0), got [0,5]',
    ],
    [
      '{"completion": "x", "solution": "3", "id": true}',
      "id",
      '"id" must be a string or a number, got a boolean (true)',
    ],
    ['{"completion": "x", "solution": "3", "meta": []}', "meta", '"meta" must be an object, got an array'],
  ];
  for (const [line, field, message] of cases) {
    const e = assertThrows(() => parseScoreLine(line, 1), FieldError) as FieldError;
    assertEquals([e.field, e.message], [field, message], line);
  }
});

Deno.test("float32Json() gives the float32 total with the fewest digits that read back as it", () => {
  assertEquals(float32Json(1 + 2 * 0.1), 1.2);
  assertEquals(float32Json(7 / 6), 1.1666666);
  assertEquals(Math.fround(1.1666666), Math.fround(7 / 6));
  assertEquals(float32Json(3.25), 3.25);
  assertEquals(float32Json(0), 0);
  assertEquals(float32Json(-0.3), -0.3);
});

// Rewards format, accuracy, iou weighted 1, 2, 0.5.
const INPUT = [
  // format 1, accuracy 1, iou null (no box): total 1 + 2 = 3.
  '{"id": "a", "completion": "<think>two cats</think><answer>2</answer>", "solution": "2", "model": "m1"}',
  "",
  // [0,0,10,10] vs [5,0,15,10]: intersection 5·10 = 50, union 100 + 100 - 50 = 150, IoU 1/3 < 0.5 so
  // accuracy 0; total 1 + 0 + 0.5/3 = 7/6, as float32 1.1666666.
  '{"completion": "<think>b</think><answer>[0, 0, 10, 10]</answer>", "solution": "[5, 0, 15, 10]", ' +
  '"image_size": [56, 56]}',
  '{"completion": 3, "solution": "3"}',
  '{"completion": "x"',
  // No tags: format 0, accuracy 0 (no <answer>), iou null: total 0.
  '{"completion": "the answer is 3", "solution": "3"}',
  // [0,0,10,10] vs [0,0,10,20]: IoU 100/200 = 0.5 >= 0.5, accuracy 1; total 1 + 2 + 0.25 = 3.25.
  '{"completion": "<think>c</think><answer>[0, 0, 10, 10]</answer>", "solution": "[0, 0, 10, 20]"}',
].join("\n") + "\n";

Deno.test("score writes one line per non-blank input line, errors included, and exits 1", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/in.jsonl`, INPUT);
  const out = await score(
    ["--in", "in.jsonl", "--out", "out.jsonl", "--rewards", "format,accuracy,iou", "--weights", "1,2,0.5"],
    dir,
  );
  assertEquals(out.code, 1, out.stderr);
  assertEquals(jsonLines(await Deno.readTextFile(`${dir}/out.jsonl`)), [
    { line: 1, id: "a", model: "m1", format: 1, accuracy: 1, iou: null, total: 3 },
    { line: 3, id: 3, format: 1, accuracy: 0, iou: 1 / 3, total: 1.1666666 },
    { line: 4, error: '"completion" must be a string, got a number (3)' },
    { line: 5, error: "not valid JSON: Expected ',' or '}' after property value (column 19)" },
    { line: 6, id: 6, format: 0, accuracy: 0, iou: null, total: 0 },
    { line: 7, id: 7, format: 1, accuracy: 1, iou: 0.5, total: 3.25 },
  ]);
  const said = out.stderr.split("\n");
  for (
    const line of [
      "score: rewards format ×1, accuracy ×2, iou ×0.5",
      'in.jsonl:4: "completion" must be a string, got a number (3)',
      "in.jsonl:5: not valid JSON: Expected ',' or '}' after property value (column 19)",
      "score: 4 lines scored, 2 failed, 1 blank line skipped (first in.jsonl:2)",
      // Means over the lines each applies to: format 3/4, accuracy 2/4, iou (1/3 + 1/2)/2 = 5/12,
      // total (3 + 7/6 + 0 + 3.25)/4 = 1.8541667 (with the float32 7/6).
      "  format    mean 0.75  (4 lines)",
      "  accuracy  mean 0.5  (4 lines)",
      "  iou       mean 0.4167  (2 lines; null on 2)",
      "  total     mean 1.8542  (4 lines)",
      "score: wrote out.jsonl",
    ]
  ) assert(said.includes(line), `stderr lacks "${line}":\n${out.stderr}`);
});

Deno.test("score reads reward settings from --config; custom paths resolve from the working directory", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/rewards`);
  await Deno.writeTextFile(
    `${dir}/rewards/len.ts`,
    "export default (completion: string) => completion.length;\n",
  );
  await Deno.writeTextFile(
    `${dir}/run.json`,
    JSON.stringify({
      reward_funcs: ["accuracy", "len"],
      reward_weights: [1, 0.5],
      reward_options: { accuracy: { numeric_tolerance: 0.1 } },
      custom_rewards: { len: "rewards/len.ts" },
    }),
  );
  // "<answer>10.5</answer>" has 21 characters; |10.5 - 10| = 0.5 <= 0.1 · 10, so accuracy 1.
  await Deno.writeTextFile(`${dir}/in.jsonl`, '{"completion": "<answer>10.5</answer>", "solution": "10"}\n');
  const out = await score(["--config", "run.json", "--in", "in.jsonl"], dir);
  assertEquals(out.code, 0, out.stderr);
  assertEquals(jsonLines(out.stdout), [{ line: 1, id: 1, accuracy: 1, len: 21, total: 11.5 }]);
  // A command-line setting beats the file: no tolerance, so 10.5 is wrong; total 0 + 0.5 · 21.
  const strict = await score([
    "--config",
    "run.json",
    "--in",
    "in.jsonl",
    "reward_options.accuracy.numeric_tolerance=0",
  ], dir);
  assertEquals(jsonLines(strict.stdout)[0].total, 10.5);
});

Deno.test("score refuses an unknown reward name with the nearest known one, exit 2", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/in.jsonl`, INPUT);
  const out = await score(["--in", "in.jsonl", "--rewards", "format,acuracy"], dir);
  assertEquals(out.code, 2);
  const last = out.stderr.trim().split("\n").at(-1)!;
  assert(last.startsWith('error: unknown reward function "acuracy": known ones are format, '), last);
  assert(last.includes('Did you mean "accuracy"?'), last);
  assertEquals(out.stdout, "");
});

Deno.test("score refuses a reward that needs the policy or the pixels, exit 2", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/in.jsonl`, INPUT);
  const blind = await score(["--in", "in.jsonl", "--rewards", "format,blindfold"], dir);
  assertEquals(blind.code, 2);
  assertEquals(
    blind.stderr.trim().split("\n").at(-1),
    'error: reward "blindfold" asks the policy to generate, and score and serve-rewards have no policy; ' +
      "it runs only inside training",
  );
  const clip = await score([
    "--in",
    "in.jsonl",
    "--rewards",
    "explanation",
    "reward_options.explanation.clip_model=/models/clip",
  ], dir);
  assertEquals(clip.code, 2);
  assert(
    clip.stderr.includes('reward "explanation" needs the image\'s pixels with these options'),
    clip.stderr,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("score names a missing --in and an unreadable input file", async () => {
  const dir = await Deno.makeTempDir();
  const none = await score([], dir);
  assertEquals([none.code, none.stderr.trim()], [
    2,
    "error: --in FILE.jsonl is required (--help shows the line format)",
  ]);
  const missing = await score(["--in", "nope.jsonl"], dir);
  assertEquals(missing.code, 1);
  assert(missing.stderr.includes("error: cannot read --in nope.jsonl: "), missing.stderr);
});

Deno.test("score refuses an empty input file, or one of blank lines only, naming it, exit 1", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/empty.jsonl`, "");
  await Deno.writeTextFile(`${dir}/blank.jsonl`, "\n  \n\r\n");
  // Before: "score: 0 lines scored, 0 failed" and exit 0.
  const empty = await score(["--in", "empty.jsonl", "--out", "out.jsonl"], dir);
  assertEquals([empty.code, empty.stderr.trim().split("\n").at(-1)], [
    1,
    "error: --in empty.jsonl is empty (0 bytes): nothing to score; give one JSON object per line",
  ]);
  // Read before --out is opened: no empty output is left behind.
  assertEquals(await Deno.stat(`${dir}/out.jsonl`).then(() => true, () => false), false);
  const blank = await score(["--in", "blank.jsonl"], dir);
  assertEquals([blank.code, blank.stderr.trim().split("\n").at(-1), blank.stdout], [
    1,
    "error: --in blank.jsonl has no lines to score (3 blank lines); give one JSON object per line",
    "",
  ]);
  await Deno.remove(dir, { recursive: true });
});
