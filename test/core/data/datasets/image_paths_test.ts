/**
 * Image paths in a data set stay inside the image folders: "..", absolute paths, symlinks out and URLs
 * of any scheme are refused with the record's FILE:LINE, over real files in temp folders and a real
 * local server (which must see no request). allow_outside_paths=true lifts the folder rule only.
 */
import { blobFiles, DataSource, OUTSIDE_NOTE, urlFiles } from "../../../../core/data/datasets/mod.ts";
import { assertEquals } from "../../../assert.ts";
import { conversationLine, countSample, encodePng } from "./fixtures.ts";

const files = urlFiles(new URL("file:///"));

/**
 * ROOT/data/x.jsonl whose line 1 names image `path` (written as given), ROOT/data/images/in.png inside,
 * and ROOT/secret.png outside the data folder. ROOT is a real path (no symlink on the way), as messages
 * name where a path resolves to.
 */
async function dataSet(path: string): Promise<{ root: string; jsonl: string }> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "grpo-lab-paths-" }));
  await Deno.mkdir(`${root}/data/images`, { recursive: true });
  await Deno.writeFile(`${root}/secret.png`, await encodePng(countSample(1).image));
  await Deno.writeFile(`${root}/data/images/in.png`, await encodePng(countSample(0).image));
  const jsonl = `${root}/data/x.jsonl`;
  await Deno.writeTextFile(jsonl, conversationLine(countSample(0), path) + "\n");
  return { root, jsonl };
}

/** The message DataSource.imageBytes() fails with for record 0, or "" when it reads the image. */
async function imageError(source: DataSource): Promise<string> {
  try {
    await source.imageBytes(source.records[0]);
    return "";
  } catch (e) {
    return (e as Error).message;
  }
}

Deno.test("DataSource.imageBytes() refuses a ../ path that leaves the data file's folder", async () => {
  const { root, jsonl } = await dataSet("../secret.png");
  const source = await DataSource.open(jsonl, files);
  assertEquals(
    await imageError(source),
    `${jsonl}:1: image "../secret.png" resolves to ${root}/secret.png, outside the image folders ` +
      `(${root}/data); set allow_outside_paths=true to allow it`,
  );
});

Deno.test("DataSource.imageBytes() refuses an absolute path outside the image folders", async () => {
  const { root } = await dataSet("in.png");
  const jsonl = `${root}/data/abs.jsonl`;
  await Deno.writeTextFile(jsonl, conversationLine(countSample(0), `${root}/secret.png`) + "\n");
  const source = await DataSource.open(jsonl, files, { imageFolders: [`${root}/data/images`] });
  assertEquals(
    await imageError(source),
    `${jsonl}:1: image "${root}/secret.png" resolves to ${root}/secret.png, outside the image folders ` +
      `(${root}/data/images); set allow_outside_paths=true to allow it`,
  );
});

Deno.test("DataSource.imageBytes() reads an absolute path inside the image folders", async () => {
  const { root } = await dataSet("in.png");
  const jsonl = `${root}/data/abs.jsonl`;
  await Deno.writeTextFile(jsonl, conversationLine(countSample(0), `${root}/data/images/in.png`) + "\n");
  const source = await DataSource.open(jsonl, files, { imageFolders: [`${root}/data/images`] });
  assertEquals((await source.sample(0)).image.pixels, countSample(0).image.pixels);
});

Deno.test("DataSource.imageBytes() refuses a symlink, or a path through a linked folder, that leaves the folder", async () => {
  const { root } = await dataSet("link.png");
  await Deno.symlink(`${root}/secret.png`, `${root}/data/link.png`);
  const source = await DataSource.open(`${root}/data/x.jsonl`, files);
  assertEquals(
    await imageError(source),
    `${root}/data/x.jsonl:1: image "link.png" resolves to ${root}/secret.png, outside the image folders ` +
      `(${root}/data); set allow_outside_paths=true to allow it`,
  );
  await Deno.mkdir(`${root}/elsewhere`);
  await Deno.writeFile(`${root}/elsewhere/in.png`, await Deno.readFile(`${root}/secret.png`));
  await Deno.symlink(`${root}/elsewhere`, `${root}/data/images/sub`);
  const jsonl = `${root}/data/dir.jsonl`;
  await Deno.writeTextFile(jsonl, conversationLine(countSample(0), "sub/in.png") + "\n");
  const through = await DataSource.open(jsonl, files, { imageFolders: [`${root}/data/images`] });
  assertEquals(
    await imageError(through),
    `${jsonl}:1: image "sub/in.png" resolves to ${root}/elsewhere/in.png, outside the image folders ` +
      `(${root}/data/images); set allow_outside_paths=true to allow it`,
  );
});

Deno.test("DataSource.imageBytes() follows a symlink that stays inside the image folders", async () => {
  const { root } = await dataSet("alias.png");
  await Deno.symlink(`${root}/data/images/in.png`, `${root}/data/alias.png`);
  const source = await DataSource.open(`${root}/data/x.jsonl`, files);
  assertEquals((await source.sample(0)).image.pixels, countSample(0).image.pixels);
});

Deno.test("DataSource.imageBytes() refuses a file: URL", async () => {
  const { root, jsonl } = await dataSet("in.png");
  await Deno.writeTextFile(jsonl, conversationLine(countSample(0), `file://${root}/secret.png`) + "\n");
  const source = await DataSource.open(jsonl, files);
  assertEquals(
    await imageError(source),
    `${jsonl}:1: image "file://${root}/secret.png" is a URL (file:); images are read only from files ` +
      `inside the image folders (${root}/data), never from a URL`,
  );
});

Deno.test("DataSource.imageBytes() refuses http:, https: and data: URLs without sending a request", async () => {
  let requests = 0;
  const png = await encodePng(countSample(0).image);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    requests++;
    return new Response(png as Uint8Array<ArrayBuffer>, { headers: { "content-type": "image/png" } });
  });
  const url = `http://127.0.0.1:${server.addr.port}/a.png`;
  try {
    for (
      const [path, scheme] of [[url, "http"], [url.replace("http:", "https:"), "https"], [
        "data:image/png;base64,iVBORw0KGgo=",
        "data",
      ]]
    ) {
      const { root, jsonl } = await dataSet(path);
      const source = await DataSource.open(jsonl, files, { allowOutsidePaths: true });
      assertEquals(
        await imageError(source),
        `${jsonl}:1: image "${path}" is a URL (${scheme}:); images are read only from files inside the ` +
          `image folders (${root}/data), never from a URL`,
      );
    }
  } finally {
    await server.shutdown();
  }
  assertEquals(requests, 0);
});

Deno.test("allow_outside_paths lifts the folder rule with one note, and URLs stay refused", async () => {
  const { root, jsonl } = await dataSet("../secret.png");
  await Deno.symlink(`${root}/secret.png`, `${root}/data/link.png`);
  const lines = ["../secret.png", `${root}/secret.png`, "link.png", `file://${root}/secret.png`];
  await Deno.writeTextFile(jsonl, lines.map((p) => conversationLine(countSample(1), p)).join("\n") + "\n");
  const source = await DataSource.open(jsonl, files, { allowOutsidePaths: true });
  assertEquals(source.notes, [OUTSIDE_NOTE]);
  assertEquals(OUTSIDE_NOTE, "allow_outside_paths=true: image paths may point anywhere on disk");
  for (const i of [0, 1, 2]) assertEquals((await source.sample(i)).image.pixels, countSample(1).image.pixels);
  let message = "";
  await source.sample(3).catch((e) => message = e.message);
  assertEquals(message.startsWith(`${jsonl}:4: image "file://${root}/secret.png" is a URL (file:)`), true);
  assertEquals((await DataSource.open(jsonl, files)).notes, []);
});

Deno.test("DataSource over picked files (the browser lab) refuses ../, absolute and URL paths alike", async () => {
  const png = new Blob([await encodePng(countSample(0).image) as Uint8Array<ArrayBuffer>]);
  const paths = ["../up.png", "/up.png", "http://127.0.0.1:9/up.png"];
  const jsonl = paths.map((p) => conversationLine(countSample(0), p)).join("\n") + "\n";
  const picked = new Map<string, Blob>([
    ["data.jsonl", new Blob([jsonl])],
    ["../up.png", png],
    ["/up.png", png],
  ]);
  const source = await DataSource.open("data.jsonl", blobFiles(picked), { imageFolders: ["images", "."] });
  const messages = [];
  for (const record of source.records) {
    messages.push(await source.imageBytes(record).then(() => "", (e) => e.message));
  }
  assertEquals(messages, [
    'data.jsonl:1: image "../up.png" resolves to ../up.png, outside the image folders (images, .); ' +
    "set allow_outside_paths=true to allow it",
    'data.jsonl:2: image "/up.png" resolves to /up.png, outside the image folders (images, .); ' +
    "set allow_outside_paths=true to allow it",
    'data.jsonl:3: image "http://127.0.0.1:9/up.png" is a URL (http:); images are read only from files ' +
    "inside the image folders (images, .), never from a URL",
  ]);
});
