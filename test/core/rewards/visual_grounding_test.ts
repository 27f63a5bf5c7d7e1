import { assert, assertEquals, assertThrows } from "../../assert.ts";
import {
  GEOMETRY_VOCABULARY,
  visualGrounding,
  visualGroundingReward,
} from "../../../core/rewards/visual_grounding.ts";
import { MALFORMED, toolSample } from "./tool_use_fixtures.ts";

const options = (o: { bonus?: number; vocabulary?: string[] }) => ({
  bonus: o.bonus ?? 0.1,
  vocabulary: o.vocabulary ?? [...GEOMETRY_VOCABULARY],
});

Deno.test("visualGroundingReward() gives the bonus when the reasoning names a visual element", () => {
  assertEquals(visualGroundingReward("<think>The angle at B is 90 degrees.</think><answer>90</answer>"), 0.1);
  assertEquals(visualGroundingReward("<think>In triangle ABC, side AB is 3.</think>"), 0.1);
  assertEquals(visualGroundingReward("<think>The RADIUS is 2</think>"), 0.1);
  assertEquals(visualGroundingReward("<think>arc-length of 3</think>"), 0.1);
});

Deno.test("visualGroundingReward() matches whole words only", () => {
  // "triangular", "sidewalk", "lineage", "circled" and "angler" hold vocabulary words but are none.
  assertEquals(
    visualGroundingReward("<think>A triangular sidewalk, lineage, circled by an angler.</think>"),
    0,
  );
  assertEquals(visualGroundingReward("<think>x = 3 so the answer is 6</think>"), 0);
});

Deno.test("visualGroundingReward() reads only the <think> text", () => {
  assertEquals(visualGroundingReward("<think>x = 3</think><answer>the angle is 6</answer>"), 0);
  assertEquals(visualGroundingReward("the angle is 6"), 0);
  assertEquals(visualGroundingReward("<think>the angle is 6"), 0);
  // The first <think> block is the reasoning.
  assertEquals(visualGroundingReward("<think>x</think><think>angle</think>"), 0);
});

Deno.test("visualGroundingReward() takes its bonus and vocabulary from the options", () => {
  const phrase = options({ bonus: 0.5, vocabulary: ["right angle", "Legend"] });
  assertEquals(visualGroundingReward("<think>a Right-Angle here</think>", phrase), 0.5);
  assertEquals(visualGroundingReward("<think>the legend says</think>", phrase), 0.5);
  // The words of a phrase must be in a row.
  assertEquals(visualGroundingReward("<think>right of the angle</think>", phrase), 0);
  assertEquals(visualGroundingReward("<think>an angle</think>", phrase), 0);
  assertEquals(
    visualGroundingReward("<think>ЭТОТ УГОЛ прямой</think>", options({ vocabulary: ["угол"] })),
    0.1,
  );
  assertEquals(visualGroundingReward("<think>angle</think>", options({ bonus: 0 })), 0);
});

Deno.test("visualGroundingReward() names a bad option", () => {
  assertThrows(
    () => visualGroundingReward("", options({ bonus: -1 })),
    Error,
    "visual_grounding: option bonus must be a finite number >= 0, got -1",
  );
  assertThrows(() => visualGroundingReward("", options({ bonus: NaN })), Error, "option bonus");
  assertThrows(
    () => visualGroundingReward("", options({ vocabulary: [] })),
    Error,
    "option vocabulary is empty",
  );
  assertThrows(
    () => visualGroundingReward("", options({ vocabulary: ["angle", "--"] })),
    Error,
    'visual_grounding: option vocabulary has "--", which holds no word',
  );
});

Deno.test("visualGroundingReward() gives 0 or the bonus on malformed completions, fast", () => {
  const completions = [
    ...MALFORMED,
    "<think>" + "x".repeat(10_000) + "</think>",
    "<think>" + "angle".repeat(2_000),
    "<think>" + "right ".repeat(1_700) + "</think>",
    "<think>🙂 三角形 ∠ABC</think>",
  ];
  const phrases = options({ vocabulary: [...GEOMETRY_VOCABULARY, "right angle", "right right triangle"] });
  for (const c of completions) {
    const v = visualGroundingReward(c, phrases);
    assert(v === 0 || v === 0.1, `${v} on ${c.slice(0, 40)}`);
  }
});

Deno.test("visualGrounding is a RewardDefinition with a 0.1 bonus and the geometry vocabulary", async () => {
  assertEquals(visualGrounding.name, "visual_grounding");
  assertEquals(visualGrounding.defaults, { bonus: 0.1, vocabulary: [...GEOMETRY_VOCABULARY] });
  assert(
    ["angle", "side", "line", "triangle", "circle", "arc"].every((w) => GEOMETRY_VOCABULARY.includes(w)),
  );
  const fn = visualGrounding.fn("<think>a circle</think>", toolSample(), visualGrounding.defaults, {
    sayOnce() {},
  });
  assertEquals(await fn, 0.1);
});
