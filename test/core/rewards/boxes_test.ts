import { assertEquals, assertThrows } from "../../assert.ts";
import {
  checkCoordinates,
  inPixels,
  knownSize,
  parseBoxes,
  readNumber,
} from "../../../core/rewards/boxes.ts";

Deno.test("parseBoxes() reads each form, in order, click as corner plus size", () => {
  const text = 'a <click>10, 20, 30, 40</click> b [1, 2, 3, 4] c {"bbox_2d": [5.5, 6, 7., .5]} ' +
    "d <|box_start|>(100,200),(600,700)<|box_end|>";
  assertEquals(parseBoxes(text, "pixels"), [
    // x2 = 10 + 30, y2 = 20 + 40.
    { box: [10, 20, 40, 60], form: "click", normalised: false },
    { box: [1, 2, 3, 4], form: "list", normalised: false },
    // The bbox_2d list is read once, as bbox_2d, not again as a plain list.
    { box: [5.5, 6, 7, 0.5], form: "bbox_2d", normalised: false },
    // Qwen's tokens are 0-1000: 100 / 1000 = 0.1 and so on.
    { box: [0.1, 0.2, 0.6, 0.7], form: "qwen", normalised: true },
  ]);
});

Deno.test("parseBoxes() reads plain numbers in the coordinates given; Qwen's form stays 0-1000", () => {
  const text =
    "[100, 250, 500, 1000] <click>0.5, 0.5, 0.25, 0.25</click> <|box_start|>(0,0),(500,500)<|box_end|>";
  assertEquals(parseBoxes(text, "norm1000").map((b) => [b.box, b.normalised]), [
    [[0.1, 0.25, 0.5, 1], true],
    [[0.0005, 0.0005, 0.00075, 0.00075], true],
    [[0, 0, 0.5, 0.5], true],
  ]);
  assertEquals(parseBoxes(text, "norm1").map((b) => b.box), [
    [100, 250, 500, 1000],
    [0.5, 0.5, 0.75, 0.75],
    [0, 0, 0.5, 0.5],
  ]);
});

Deno.test("parseBoxes() allows blanks and signs, keeps reversed corners and reads long digits as Infinity", () => {
  assertEquals(parseBoxes("[ -3 ,\n+4 , 1 , 0 ]", "pixels")[0].box, [-3, 4, 1, 0]);
  assertEquals(parseBoxes("<|box_start|> ( 1 , 2 ) , ( 3 , 4 ) <|box_end|>", "pixels")[0].box, [
    0.001,
    0.002,
    0.003,
    0.004,
  ]);
  assertEquals(parseBoxes(`[${"9".repeat(400)}, 0, 1, 1]`, "pixels")[0].box, [Infinity, 0, 1, 1]);
});

Deno.test("parseBoxes() finds nothing in malformed boxes", () => {
  for (
    const text of [
      "",
      "[1, 2, 3]",
      "[1, 2, 3, 4, 5]",
      "[NaN, 1, 2, 3]",
      "[Infinity, 1, 2, 3]",
      "[1e3, 1, 2, 3]",
      "[0x10, 1, 2, 3]",
      "[1,, 2, 3, 4]",
      "[1 2 3 4]",
      "<click>1, 2, 3, 4",
      "<click>1, 2, 3</click>",
      "<|box_start|>(1,2),(3,4)",
      "<|box_start|>(1,2,3,4)<|box_end|>",
      "[１, ２, ３, ４]", // full-width digits are not ASCII digits
      '{"bbox_2d": "1, 2, 3, 4"}',
      "🙂 [ 🙂, 1, 2, 3] 三角形",
    ]
  ) {
    assertEquals(parseBoxes(text, "pixels"), [], text);
  }
});

Deno.test("parseBoxes() stays in range on 10,000-character adversarial texts", () => {
  const texts = [
    "[".repeat(10_000),
    "[" + " ".repeat(9_999),
    "[" + "1".repeat(9_999),
    "[1, 2, 3,".repeat(1_112),
    "[1,".repeat(3_334),
    "<click>1, 2,".repeat(834),
    "<|box_start|>(1,".repeat(625),
    '"bbox_2d": ['.repeat(834),
    "[1.1.1.1.1".repeat(1_000),
    "[" + " ,".repeat(4_999),
  ];
  // None holds a complete box.
  for (const text of texts) assertEquals(parseBoxes(text, "pixels"), [], text.slice(0, 20));
});

Deno.test("inPixels() scales normalised boxes by the image's size, and needs it", () => {
  const [norm] = parseBoxes("<|box_start|>(100,200),(600,700)<|box_end|>", "pixels");
  // 0.1 · 200 = 20, 0.2 · 100 = 20, 0.6 · 200 = 120, 0.7 · 100 = 70.
  assertEquals(inPixels(norm, [200, 100]), [20, 20, 120, 70]);
  assertEquals(inPixels(norm, null), null);
  const [px] = parseBoxes("[1, 2, 3, 4]", "pixels");
  assertEquals(inPixels(px, null), [1, 2, 3, 4]);
});

Deno.test("knownSize() is null for a missing, zero, negative or non-finite size", () => {
  assertEquals(knownSize([640, 480]), [640, 480]);
  for (const size of [null, undefined, [0, 480], [640, -1], [NaN, 480], [640, Infinity]] as const) {
    assertEquals(knownSize(size as [number, number] | null | undefined), null);
  }
});

Deno.test("readNumber() reads the box grammar's numbers only", () => {
  assertEquals([" 12 ", "-3", "+0.5", ".5", "7."].map(readNumber), [12, -3, 0.5, 0.5, 7]);
  assertEquals(["", "NaN", "Infinity", "1e3", "0x10", "1 2", "--1"].map(readNumber), [
    null,
    null,
    null,
    null,
    null,
    null,
    null,
  ]);
});

Deno.test("checkCoordinates() names the reward and the allowed values", () => {
  assertEquals(checkCoordinates("iou", "norm1000"), "norm1000");
  assertThrows(
    () => checkCoordinates("iou", "px"),
    Error,
    'iou: option coordinates is "px"; it must be one of pixels, norm1000, norm1',
  );
});
