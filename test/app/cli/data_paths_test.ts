/**
 * Image paths that leave the image folders, through the commands a user runs (issue 11, item 12):
 * data check names the line, data export never copies an outside file into its parquet, train refuses
 * the data set, and allow_outside_paths=true lets them through with one note.
 */
import { assert, assertEquals } from "../../assert.ts";
import { cli } from "./run_cli.ts";
import { readParquetDataset } from "../../../core/data/datasets/mod.ts";
import {
  conversationLine,
  countSample,
  encodePng,
  writeCountJsonl,
} from "../../core/data/datasets/fixtures.ts";

/** DIR/data/train.jsonl (3 scenes in data/images, then line 4 naming "../../secret.png") and DIR/secret.png. */
async function outsideDataset(): Promise<{ dir: string; secret: Uint8Array }> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "grpo-lab-paths-cli-" }));
  await writeCountJsonl(3, `${dir}/data`);
  await Deno.rename(`${dir}/data/data.jsonl`, `${dir}/data/train.jsonl`);
  const secret = await encodePng(countSample(9).image);
  await Deno.writeFile(`${dir}/secret.png`, secret);
  await Deno.writeTextFile(
    `${dir}/data/train.jsonl`,
    conversationLine(countSample(9), "../../secret.png") + "\n",
    {
      append: true,
    },
  );
  return { dir, secret };
}

const problem = (dir: string) =>
  `data/train.jsonl:4: image "../../secret.png" resolves to ${dir}/secret.png, outside the image folders ` +
  "(data/images); set allow_outside_paths=true to allow it";
const NOTE = "allow_outside_paths=true: image paths may point anywhere on disk";
const FOLDERS = ["--image-folders", "data/images"];

Deno.test("data check names an image path outside the image folders and exits 1; allow_outside_paths lets it in", async () => {
  const { dir } = await outsideDataset();
  const r = await cli("data.ts", ["check", "data/train.jsonl", ...FOLDERS], dir);
  assertEquals(r.code, 1, r.stderr);
  assert(r.stdout.includes(`problems (1: 1 image):\n  ${problem(dir)}\n`), r.stdout);
  const allowed = await cli(
    "data.ts",
    ["check", "data/train.jsonl", ...FOLDERS, "allow_outside_paths=true"],
    dir,
  );
  assertEquals(allowed.code, 0, allowed.stderr);
  assertEquals(allowed.stderr.split(NOTE).length - 1, 1, allowed.stderr);
  assert(allowed.stderr.includes(`note: ${NOTE}\n`), allowed.stderr);
  assert(allowed.stdout.includes("4 lines, 4 valid, 0 with problems"), allowed.stdout);
});

Deno.test("data export refuses an outside image, and with skip_invalid leaves it out of the parquet", async () => {
  const { dir, secret } = await outsideDataset();
  const args = ["export", "--to", "verl", "data/train.jsonl", ...FOLDERS];
  const refused = await cli("data.ts", [...args, "--out", "a"], dir);
  assertEquals(refused.code, 1, refused.stderr);
  assert(refused.stderr.includes(`\n  ${problem(dir)}`), refused.stderr);
  const r = await cli("data.ts", [...args, "--out", "b", "skip_invalid=true"], dir);
  assertEquals(r.code, 0, r.stderr);
  assertEquals(r.stdout.trim().split("\n").slice(0, 2), [
    "b/train.parquet: 3 rows",
    "b/test.parquet: 0 rows",
  ]);
  const parsed = await readParquetDataset(await Deno.readFile(`${dir}/b/train.parquet`), "train.parquet");
  const embedded = parsed.records.map((rec) => rec.image.kind === "bytes" ? rec.image.bytes : undefined);
  assertEquals(embedded.length, 3);
  for (const bytes of embedded) {
    assert(bytes !== undefined && bytes.length > 0, "every row holds its image's bytes");
    assert(
      bytes.length !== secret.length || bytes.some((b, i) => b !== secret[i]),
      "secret.png was embedded",
    );
  }
});

Deno.test("train refuses a data set whose image path leaves the image folders, naming the line", async () => {
  const { dir } = await outsideDataset();
  const r = await cli("train.ts", [
    "dataset=data/train.jsonl",
    "image_folders=data/images",
    "max_steps=1",
    "per_device_train_batch_size=2",
    "num_generations=2",
    "max_completion_length=8",
    "save_steps=0",
    "--backend",
    "wasm",
    "--out",
    "t",
  ], dir);
  assertEquals(r.code, 1, r.stderr);
  assert(
    r.stderr.includes(
      "error: data set data/train.jsonl (conversation JSONL): 1 of 4 samples have problems (1 image); fix " +
        `them, or set skip_invalid=true to train on the 3 valid ones\n  ${problem(dir)}\n`,
    ),
    r.stderr,
  );
});
