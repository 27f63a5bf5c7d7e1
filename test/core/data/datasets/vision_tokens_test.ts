/** Qwen2-VL's smart_resize, against values from transformers' formula run in Python (round half to even). */
import {
  qwenVisionTokens,
  roundHalfEven,
  smartResize,
} from "../../../../core/data/datasets/vision_tokens.ts";
import { assertEquals, assertThrows } from "../../../assert.ts";

Deno.test("roundHalfEven() rounds halves to the even neighbour as Python's round() does", () => {
  assertEquals([0.5, 1.5, 2.5, 3.5, -2.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, 4, -2, 2, 3]);
});

Deno.test("smartResize() matches transformers' smart_resize at min_pixels 3136, max_pixels 200704", () => {
  // [height, width] -> [height, width, tokens], computed with the Python formula.
  const cases: [number, number, number, number, number][] = [
    [480, 640, 364, 504, 234],
    [112, 112, 112, 112, 16],
    [70, 42, 56, 56, 4], // 2.5 and 1.5 round to 2: Math.round would give 84 x 56
    [30, 30, 56, 56, 4],
    [1000, 14, 1008, 28, 36],
    [2000, 3000, 364, 532, 247],
  ];
  for (const [h, w, eh, ew, tokens] of cases) {
    assertEquals(smartResize(h, w, 3136, 200704), [eh, ew], `${h}x${w}`);
    assertEquals(qwenVisionTokens(w, h, 3136, 200704), tokens, `${h}x${w} tokens`);
  }
});

Deno.test("smartResize() refuses an aspect ratio over 200 as the processor does", () => {
  const e = assertThrows(() => smartResize(10, 2010));
  assertEquals(e.message, "aspect ratio 2010x10 is over 200: Qwen2-VL's processor refuses it");
});
