/** out_folder.ts on real folders: what --overwrite may delete per command, and writes that name their file. */
import { assert, assertEquals, assertRejects } from "../../assert.ts";
import {
  isRunOutput,
  prepareOutFolder,
  writeFolderAtomically,
  writeOutFile,
} from "../../../app/cli/out_folder.ts";
import { MetricsWriter } from "../../../app/cli/metrics_writer.ts";

async function names(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) out.push(e.name);
  return out.sort();
}

/** A folder as a GRPO run leaves it, plus `extra` entries ("x/" is a folder). */
async function runFolder(extra: string[] = []): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/metrics.jsonl`, '{"step":1}\n');
  await Deno.writeTextFile(`${dir}/samples.jsonl`, '{"step":1}\n');
  await Deno.mkdir(`${dir}/checkpoint-2`);
  await Deno.writeTextFile(`${dir}/checkpoint-2/config.json`, "{}");
  await Deno.mkdir(`${dir}/.checkpoint-3.tmp`);
  for (const name of extra) {
    if (name.endsWith("/")) await Deno.mkdir(`${dir}/${name}`);
    else await Deno.writeTextFile(`${dir}/${name}`, "keep me");
  }
  return dir;
}

Deno.test("isRunOutput() is true for what a run writes and false for anything else", () => {
  for (
    const n of ["metrics.jsonl", "samples.jsonl", "checkpoint-12", ".checkpoint-3.tmp", "run_config.json"]
  ) {
    assertEquals(isRunOutput(n), true, n);
  }
  for (const n of ["README.md", "src", "checkpoint-x", "notes.txt", "metrics.jsonl.bak", "train.parquet"]) {
    assertEquals(isRunOutput(n), false, n);
  }
});

Deno.test("prepareOutFolder() with overwrite empties a folder holding only run files", async () => {
  const dir = await runFolder(["report.html"]);
  await prepareOutFolder(dir, "train", true);
  assertEquals(await names(dir), []);
});

Deno.test("prepareOutFolder() with overwrite refuses, listing them, when other files are there, and deletes nothing", async () => {
  const dir = await runFolder(["README.md", "src/"]);
  const before = await names(dir);
  await assertRejects(
    () => prepareOutFolder(dir, "train", true),
    Error,
    `--overwrite: ${dir} holds 2 entries that train does not write (README.md, src); not deleting anything`,
  );
  assertEquals(await names(dir), before);
  assertEquals(await Deno.readTextFile(`${dir}/metrics.jsonl`), '{"step":1}\n');
});

Deno.test("prepareOutFolder() without overwrite refuses a non-empty folder for every command", async () => {
  const dir = await runFolder();
  await assertRejects(
    () => prepareOutFolder(dir, "train", false),
    Error,
    `output folder ${dir} is not empty: pass --resume ${dir} to continue that run, --overwrite to replace it`,
  );
  for (const command of ["sft", "eval", "data export"] as const) {
    await assertRejects(
      () => prepareOutFolder(dir, command, false),
      Error,
      `output folder ${dir} is not empty: pass --overwrite to replace it, or another --out`,
    );
  }
  assertEquals((await names(dir)).length, 4);
});

Deno.test("prepareOutFolder() for eval and data export never deletes a checkpoint", async () => {
  const dir = await runFolder(["predictions.jsonl"]);
  await assertRejects(
    () => prepareOutFolder(dir, "eval", true),
    Error,
    "that eval does not write (.checkpoint-3.tmp, checkpoint-2, samples.jsonl)",
  );
  await assertRejects(
    () => prepareOutFolder(dir, "data export", true),
    Error,
    "holds 5 entries that data export does not write",
  );
  assertEquals((await names(dir)).length, 5);
  const exported = await Deno.makeTempDir();
  await Deno.writeTextFile(`${exported}/train.parquet`, "x");
  await Deno.writeTextFile(`${exported}/test.parquet`, "x");
  await prepareOutFolder(exported, "data export", true);
  assertEquals(await names(exported), []);
});

Deno.test("prepareOutFolder() accepts an absent or empty folder without overwrite", async () => {
  const dir = await Deno.makeTempDir();
  await prepareOutFolder(dir, "sft", false);
  await prepareOutFolder(`${dir}/not-yet`, "eval", false);
  assertEquals(await names(dir), []);
});

Deno.test("writeFolderAtomically() replaces an older folder whole and leaves no .tmp behind", async () => {
  const dir = await Deno.makeTempDir();
  await writeFolderAtomically(`${dir}/checkpoint-2`, { "a.json": "1", "b.bin": new Uint8Array([1, 2]) });
  await writeFolderAtomically(`${dir}/checkpoint-2`, { "a.json": "2" });
  assertEquals(await names(dir), ["checkpoint-2"]);
  assertEquals(await names(`${dir}/checkpoint-2`), ["a.json"]);
  assertEquals(await Deno.readTextFile(`${dir}/checkpoint-2/a.json`), "2");
});

Deno.test("writeOutFile() and MetricsWriter name the file when the disk is full (/dev/full)", async () => {
  await assertRejects(() => writeOutFile("/dev/full", "x".repeat(10)), Error, "cannot write /dev/full: ");
  using writer = MetricsWriter.open("/dev", "full");
  let message = "";
  try {
    writer.write({ step: 1 });
  } catch (e) {
    message = (e as Error).message;
  }
  assert(message.startsWith("cannot write to /dev/full: "), message);
  await assertRejects(
    () => writeOutFile("/nonexistent-folder/x.json", "{}"),
    Error,
    "cannot write /nonexistent-folder/x.json: ",
  );
});
