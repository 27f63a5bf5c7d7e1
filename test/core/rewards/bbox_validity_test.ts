import { assert, assertEquals, assertThrows } from "../../assert.ts";
import {
  BBOX_VALIDITY_DEFAULTS,
  bboxValidity,
  bboxValidityReward,
  isValidBox,
} from "../../../core/rewards/bbox_validity.ts";
import { GOOD, MALFORMED, toolSample } from "./tool_use_fixtures.ts";

const crop = (box: string) => `<tool_call>Crop ${box}</tool_call>`;

Deno.test("bboxValidityReward() is 1 when every tool box is valid", () => {
  assertEquals(bboxValidityReward(GOOD, toolSample()), 1);
});

Deno.test("bboxValidityReward() is 1 - invalid / boxes", () => {
  // In a 100 x 50 image: one valid box (touching the edges: x2 and y2 are exclusive) and seven invalid.
  const text = [
    "[0, 0, 100, 50]",
    "[0, 0, 101, 50]", // x2 beyond the width
    "[10, 10, 5, 20]", // x1 >= x2
    "[10, 10, 20, 10]", // y1 >= y2
    "[-1, 0, 5, 5]", // negative
    "[a, 1, 2, 3]", // non-numeric
    "1, 2, 3, 4", // no brackets
  ].map(crop).join("") + "<tool_call>Identify [1, 2,"; // truncated
  assertEquals(bboxValidityReward(text, toolSample([100, 50])), 1 / 8);
  // Two of four valid: 1 - 2 / 4.
  assertEquals(
    bboxValidityReward(crop("[0, 0, 1, 1]").repeat(2) + crop("[1, 1, 0, 0]").repeat(2), toolSample()),
    0.5,
  );
});

Deno.test("bboxValidityReward() skips the outside-the-image test when the size is unknown", () => {
  const text = crop("[0, 0, 101, 50]") +
    crop("[0, 0, 1000000000, 9]");
  assertEquals(bboxValidityReward(text, toolSample(null)), 1);
  assertEquals(bboxValidityReward(crop("[5, 5, 1, 1]"), toolSample(null)), 0);
});

Deno.test("bboxValidityReward() bounds normalised boxes at 1000 or 1, whatever the image's size", () => {
  const norm1000 = { ...BBOX_VALIDITY_DEFAULTS, coordinates: "norm1000" };
  assertEquals(bboxValidityReward(crop("[0, 0, 1000, 1000]"), toolSample([10, 10]), norm1000), 1);
  assertEquals(bboxValidityReward(crop("[0, 0, 1001, 5]"), toolSample(null), norm1000), 0);
  const norm1 = { ...BBOX_VALIDITY_DEFAULTS, coordinates: "norm1" };
  assertEquals(
    bboxValidityReward(crop("[0, 0, 0.5, 1]") + crop("[0, 0, 2, 1]"), toolSample(null), norm1),
    0.5,
  );
});

Deno.test("bboxValidityReward() is null when no call carries a box", () => {
  assertEquals(
    bboxValidityReward("<think>[1, 2, 3, 4]</think><answer>[1, 2, 3, 4]</answer>", toolSample()),
    null,
  );
  assertEquals(bboxValidityReward("<tool_call>Zoom [1, 2, 3, 4]</tool_call>", toolSample()), null);
  assertEquals(bboxValidityReward("", toolSample()), null);
});

Deno.test("isValidBox() rejects non-finite numbers", () => {
  assertEquals(isValidBox([0, 0, Infinity, 1], null), false);
  assertEquals(isValidBox([NaN, 0, 1, 1], null), false);
  assertEquals(isValidBox(null, null), false);
  assertEquals(isValidBox([0, 0, 1, 1], null), true);
});

Deno.test("bboxValidityReward() names a bad option", () => {
  assertThrows(
    () => bboxValidityReward(GOOD, toolSample(), { tools: ["Crop"], coordinates: "px" }),
    Error,
    'bbox_validity: option coordinates is "px"',
  );
  assertThrows(
    () => bboxValidityReward(GOOD, toolSample(), { tools: [], coordinates: "pixels" }),
    Error,
    "bbox_validity: option tools is empty",
  );
});

Deno.test("bboxValidityReward() gives null or a number in [0, 1] on malformed completions, fast", () => {
  for (const c of MALFORMED) {
    for (const size of [[112, 112], null] as const) {
      const v = bboxValidityReward(c, toolSample(size as [number, number] | null));
      assert(v === null || (Number.isFinite(v) && v >= 0 && v <= 1), `${v} on ${c.slice(0, 40)}`);
    }
  }
});

Deno.test("bboxValidity is a RewardDefinition over Crop and Identify boxes in pixels", async () => {
  assertEquals(bboxValidity.name, "bbox_validity");
  assertEquals(bboxValidity.defaults, { tools: ["Crop", "Identify"], coordinates: "pixels" });
  assertEquals(
    await bboxValidity.fn(crop("[0, 0, 200, 10]"), toolSample(), bboxValidity.defaults, { sayOnce() {} }),
    0,
  );
});
