import { assertEquals } from "../../assert.ts";
import {
  predictedBoxes,
  rgbaOf,
  sampleFromId,
  signClass,
  tagSegments,
  truthBox,
} from "../../../app/web/group_view.ts";
import { makeSample } from "../../../core/data/registry.ts";

Deno.test("sampleFromId() rebuilds a synthetic sample from its id, pixel for pixel", () => {
  const original = makeSample("grounding", 7, 12);
  const rebuilt = sampleFromId(original.id)!;
  assertEquals(original.id, "grounding-7-12");
  assertEquals(rebuilt.solution, original.solution);
  assertEquals(rebuilt.image.pixels, original.image.pixels);
  assertEquals(truthBox(rebuilt), original.meta.box);
});

Deno.test("sampleFromId() is null for ids that are no synthetic sample's", () => {
  assertEquals(sampleFromId("upload-3"), null);
  assertEquals(sampleFromId("unknowntask-1-2"), null);
  assertEquals(sampleFromId("count-1-2-3"), null);
  assertEquals(truthBox(makeSample("count", 1, 0)), null);
});

Deno.test("tagSegments() splits tags from text and labels text with its open tag", () => {
  const segs = tagSegments("<think>two red</think> so <answer>2</answer><|im_end|>");
  assertEquals(segs.map((s) => [s.kind, s.tag, s.text]), [
    ["tag", "think", "<think>"],
    ["text", "think", "two red"],
    ["tag", "/think", "</think>"],
    ["text", "", " so "],
    ["tag", "answer", "<answer>"],
    ["text", "answer", "2"],
    ["tag", "/answer", "</answer>"],
    ["tag", "|im_end|", "<|im_end|>"],
  ]);
  assertEquals(tagSegments("no tags < here >"), [{ text: "no tags < here >", kind: "text", tag: "" }]);
  assertEquals(tagSegments(""), []);
  // An unclosed tag labels the rest; a stray closing tag closes nothing.
  assertEquals(tagSegments("</answer><think>a").map((s) => s.tag), ["/answer", "think", "think"]);
});

Deno.test("predictedBoxes() reads the boxes inside <answer> only", () => {
  assertEquals(predictedBoxes("<think>[1, 2, 3, 4]</think><answer>[10, 20, 30, 40]</answer>"), [[
    10,
    20,
    30,
    40,
  ]]);
  assertEquals(predictedBoxes("<answer>3</answer>"), []);
  assertEquals(predictedBoxes("[10, 20, 30, 40]"), []);
});

Deno.test("signClass() and rgbaOf()", () => {
  assertEquals([signClass(0.5), signClass(-1e-9), signClass(0)], ["pos", "neg", "zero"]);
  assertEquals(Array.from(rgbaOf(new Uint8Array([1, 2, 3, 4, 5, 6]))), [1, 2, 3, 255, 4, 5, 6, 255]);
});
