/**
 * The page's data set check under Deno: the same DataSource + checkDataset over blobFiles (what the page
 * holds after a pick), the refusal Start gives, and the image behind a logged group.
 */
import { assertEquals } from "../../assert.ts";
import { checkPickedDataset, groupImage, refusalOf } from "../../../app/web/data_check.ts";
import { resolveConfig } from "../../../app/web/config_io.ts";
import { conversationLine, countSample, encodePng } from "../../core/data/datasets/fixtures.ts";

const PUBLIC = new URL("../../../public/", import.meta.url).href;

/** data.jsonl (line 2 names a missing image) and images/scene-0.png, scene-1.png as picked files. */
async function picked(): Promise<Map<string, Blob>> {
  const files = new Map<string, Blob>();
  const lines = [0, 1, 2].map((i) => conversationLine(countSample(i), `scene-${i === 1 ? 7 : i}.png`));
  files.set("data.jsonl", new Blob([lines.join("\n") + "\n"]));
  for (const i of [0, 2]) {
    files.set(`images/scene-${i}.png`, new Blob([await encodePng(countSample(i).image)]));
  }
  return files;
}

Deno.test("checkPickedDataset() checks picked files; refusalOf() refuses problems unless skip_invalid", async () => {
  const config = resolveConfig({ dataset: "data.jsonl", image_folders: ["images", "."], image_size: 56 });
  const progress: number[] = [];
  const checked = await checkPickedDataset(
    config,
    await picked(),
    PUBLIC,
    undefined,
    (done) => progress.push(done),
  );
  assertEquals(progress, [1, 2, 3]);
  assertEquals(checked.report.valid, [0, 2]);
  assertEquals(checked.lines[0], "data.jsonl (conversation JSONL): 3 lines, 2 valid, 1 with problems");
  assertEquals(
    checked.lines.at(-1),
    "  data.jsonl:2: image scene-7.png not found in the image folders (images, .)",
  );
  assertEquals(
    refusalOf(checked.report, config),
    "data set data.jsonl: 1 of 3 samples have problems (1 image); fix them, or tick skip_invalid to train on " +
      "the 2 valid ones. data.jsonl:2: image scene-7.png not found in the image folders (images, .)",
  );
  assertEquals(refusalOf(checked.report, { ...config, skip_invalid: true }), null);
  const image = await groupImage(checked.source, countSample(2).id, countSample(2).prompt);
  assertEquals(image, countSample(2).image);
  assertEquals(await groupImage(checked.source, countSample(2).id, "another prompt"), null);
});
