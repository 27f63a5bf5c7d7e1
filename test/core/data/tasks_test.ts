import { assert, assertEquals, assertNotEquals } from "../../assert.ts";
import { resizeArea } from "../../../core/data/image.ts";
import { parseCompletion } from "../../../core/data/phrases.ts";
import { makeSample, tasks } from "../../../core/data/registry.ts";
import type { Box } from "../../../core/data/sample.ts";
import { BACKGROUND } from "../../../core/data/scene.ts";
import { findBlobs } from "./blobs.ts";

const N = 300;
const samples = (task: string, seed = 5) => Array.from({ length: N }, (_, i) => makeSample(task, seed, i));

/** FNV-1a over the bytes: a golden fingerprint of a rendered image. */
function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

for (const name of Object.keys(tasks)) {
  Deno.test(`makeSample("${name}") gives the same bytes and texts for the same seed and index`, () => {
    const a = makeSample(name, 17, 3), b = makeSample(name, 17, 3);
    assertEquals(a, b);
    assertNotEquals(a.image.pixels, makeSample(name, 18, 3).image.pixels);
    assertNotEquals(a.image.pixels, makeSample(name, 17, 4).image.pixels);
  });

  Deno.test(`makeSample("${name}") writes references that parse as <think>...</think><answer>solution</answer>`, () => {
    for (const s of samples(name)) {
      const parsed = parseCompletion(s.reference);
      assert(parsed, s.reference);
      assertEquals(parsed.answer, s.solution);
      assert(parsed.think.length > 20 && !parsed.think.includes("<"), parsed.think);
      assertEquals(s.task, name);
      assertEquals(s.image.pixels.length, s.image.width * s.image.height * 3);
    }
  });
}

Deno.test("makeSample() keeps its image fingerprints (seed 0, index 0) so scenes never change by accident", () => {
  const prints = Object.fromEntries(
    Object.keys(tasks).map((name) => [name, fnv1a(makeSample(name, 0, 0).image.pixels)]),
  );
  assertEquals(prints, GOLDEN_PRINTS);
});

Deno.test("count: the answer equals the number of blobs of the asked colour and shape in the pixels", () => {
  const answers = new Set<string>();
  for (const s of samples("count")) {
    const blobs = findBlobs(s.image);
    assertEquals(blobs.length, s.meta.shapes, s.id);
    const matching = blobs.filter((b) => b.colour === s.meta.colour && b.shape === s.meta.shape);
    assertEquals(String(matching.length), s.solution, s.id);
    assert(
      blobs.some((b) => b.colour !== s.meta.colour || b.shape !== s.meta.shape),
      `${s.id} has distractors`,
    );
    // Distractors share the asked shape (colour decides), and each shape sits in its own 28-pixel cell.
    assert(blobs.every((b) => b.shape === s.meta.shape), `${s.id}: a distractor of another shape`);
    const cells = blobs.map((b) => Math.floor(b.box[1] / 28) * 4 + Math.floor(b.box[0] / 28));
    assertEquals(new Set(cells).size, blobs.length, `${s.id}: two shapes in one cell`);
    answers.add(s.solution);
  }
  assertEquals([...answers].sort(), ["0", "1", "2", "3", "4"]);
});

Deno.test("attribute: the largest blob in the pixels has the answer's colour and strictly the most pixels", () => {
  for (const s of samples("attribute")) {
    const blobs = findBlobs(s.image).sort((a, b) => b.area - a.area);
    assertEquals(blobs[0].colour, s.solution, s.id);
    assert(blobs[0].area > blobs[1].area, s.id);
    assertEquals(blobs[0].box, s.meta.box as Box, s.id);
    assert(
      s.explanations && s.explanations.length >= 3 && s.explanations.every((e) => e.includes(s.solution)),
    );
  }
});

Deno.test("grounding: the answer box equals the box of the one blob of that colour and shape", () => {
  for (const s of samples("grounding")) {
    const matching = findBlobs(s.image).filter((b) => b.colour === s.meta.colour && b.shape === s.meta.shape);
    assertEquals(matching.length, 1, s.id);
    assertEquals(JSON.parse(s.solution), matching[0].box, s.id);
    assertEquals(s.solution, `[${matching[0].box.join(", ")}]`);
  }
});

Deno.test("tiny: the smallest blob is the asked object, and it is at most 3x3 pixels after the resize to 112", () => {
  for (const s of samples("tiny").slice(0, 100)) {
    assertEquals([s.image.width, s.image.height], [448, 448]);
    const blobs = findBlobs(s.image).sort((a, b) => a.area - b.area);
    const tiny = blobs[0];
    assertEquals([tiny.box, tiny.colour, tiny.shape], [s.meta.box as Box, s.meta.colour, s.solution], s.id);
    assert(blobs[1].area > 10 * tiny.area, s.id);
    // At the model's view, the object covers at most 3x3 pixels, none of them its pure colour.
    const view = resizeArea(s.image, 112, 112);
    const [x1, y1, x2, y2] = s.meta.viewBox as Box;
    assert(x2 - x1 <= 3 && y2 - y1 <= 3, `${s.id} view box ${s.meta.viewBox}`);
    let touched = 0;
    for (let y = Math.max(0, y1 - 2); y < Math.min(112, y2 + 2); y++) {
      for (let x = Math.max(0, x1 - 2); x < Math.min(112, x2 + 2); x++) {
        const i = (y * 112 + x) * 3;
        if ([0, 1, 2].some((c) => view.pixels[i + c] !== BACKGROUND[c])) touched++;
      }
    }
    assert(touched >= 1 && touched <= 9, `${s.id}: ${touched} pixels`);
  }
});

/** Recorded from this generator; a change here means every seeded data set changed. */
const GOLDEN_PRINTS = { count: 224215565, attribute: 3146169153, grounding: 2750306647, tiny: 1756961277 };
