import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../../assert.ts";
import type { Box } from "../../../core/data/sample.ts";
import { boxIou, iou, iouReward } from "../../../core/rewards/iou.ts";
import type { RewardContext, RewardSample } from "../../../core/rewards/types.ts";

function sample(over: Partial<RewardSample> = {}): RewardSample {
  return {
    id: "g-0",
    task: "grounding",
    prompt: "",
    solution: "[0, 0, 10, 10]",
    reference: "",
    meta: {},
    imageSize: [112, 112],
    ...over,
  };
}

function context(): RewardContext & { said: string[] } {
  const said: string[] = [];
  return { said, sayOnce: (m) => said.push(m) };
}

/** Mulberry32: a small seeded generator, so that the property tests see the same boxes every run. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** IoU of integer boxes by counting unit cells: an independent computation. */
function cellIou(a: Box, b: Box): number {
  let inA = 0, inB = 0, both = 0;
  for (let x = -10; x < 20; x++) {
    for (let y = -10; y < 20; y++) {
      const ia = x >= a[0] && x < a[2] && y >= a[1] && y < a[3];
      const ib = x >= b[0] && x < b[2] && y >= b[1] && y < b[3];
      inA += ia ? 1 : 0;
      inB += ib ? 1 : 0;
      both += ia && ib ? 1 : 0;
    }
  }
  const union = inA + inB - both;
  return union > 0 ? both / union : 0;
}

Deno.test("boxIou() gives intersection over union, 0 for no area", () => {
  // Overlap [5,5,10,10] = 25; union 100 + 225 - 25 = 300.
  assertEquals(boxIou([0, 0, 10, 10], [5, 5, 20, 20]), 25 / 300);
  assertEquals(boxIou([0, 0, 10, 10], [10, 0, 20, 10]), 0);
  assertEquals(boxIou([3, 3, 3, 9], [3, 3, 3, 9]), 0);
  // Reversed corners are a box of no area.
  assertEquals(boxIou([10, 10, 0, 0], [10, 10, 0, 0]), 0);
  assertEquals(boxIou([0, 0, 0, 0], [0, 0, 0, 0]), 0);
});

Deno.test("boxIou() is 0 for a NaN or infinite coordinate", () => {
  assertEquals(boxIou([NaN, 0, 10, 10], [0, 0, 10, 10]), 0);
  assertEquals(boxIou([0, 0, Infinity, 10], [0, 0, 10, 10]), 0);
  assertEquals(boxIou([-Infinity, -Infinity, Infinity, Infinity], [0, 0, 10, 10]), 0);
});

Deno.test("boxIou() does not overflow on huge boxes nor underflow on tiny ones", () => {
  // Half of the same square, at 1e300 (areas 1e600 would be Infinity) and at 1e-300 (areas 1e-600 would be 0).
  assertEquals(boxIou([0, 0, 1e300, 1e300], [0, 0, 5e299, 1e300]), 0.5);
  assertEquals(boxIou([0, 0, 1e-300, 1e-300], [0, 0, 5e-301, 1e-300]), 0.5);
  assertEquals(boxIou([-1.7e308, -1.7e308, 1.7e308, 1.7e308], [-1.7e308, -1.7e308, 1.7e308, 1.7e308]), 1);
  assertEquals(boxIou([0, 0, 5e-324, 5e-324], [0, 0, 5e-324, 5e-324]), 1);
});

Deno.test("boxIou() matches cell counting on random integer boxes, degenerate and negative ones included", () => {
  const r = rng(7);
  const int = () => Math.floor(r() * 30) - 10;
  for (let i = 0; i < 2_000; i++) {
    const a: Box = [int(), int(), int(), int()];
    const b: Box = [int(), int(), int(), int()];
    assertAlmostEquals(boxIou(a, b), cellIou(a, b), 1e-12, `${a} ${b}`);
  }
});

Deno.test("boxIou() is symmetric, in [0, 1], and 1 for identical boxes of positive area, at every scale", () => {
  const r = rng(11);
  const scales = [1e-300, 1e-6, 1, 1e6, 1e150, 1e300];
  for (let i = 0; i < 5_000; i++) {
    const s = scales[i % scales.length];
    const v = () => (r() * 2 - 1) * s;
    const a: Box = [v(), v(), v(), v()];
    const b: Box = i % 7 === 0 ? [a[0], a[1], a[0], a[3]] : [v(), v(), v(), v()];
    const ab = boxIou(a, b);
    assertEquals(ab, boxIou(b, a), `${a} ${b}`);
    assert(ab >= 0 && ab <= 1, `${ab} for ${a} ${b}`);
    const positive = a[2] > a[0] && a[3] > a[1];
    assertEquals(boxIou(a, [...a] as Box), positive ? 1 : 0, `${a}`);
  }
});

Deno.test("iouReward() scores the answered box against the solution's", () => {
  // As boxIou: 25 / 300 = 1 / 12.
  assertEquals(iouReward("<answer>[0,0,10,10]</answer>", { solution: "[5, 5, 20, 20]" }), 25 / 300);
  assertEquals(iouReward("<think>x</think><answer>[0, 0, 10, 10]</answer>", sample()), 1);
});

Deno.test("iouReward() is the largest IoU over every predicted and every true box", () => {
  // Against [0,0,10,10]: [0,0,10,20] gives 100 / 200 = 0.5, [0,0,5,10] gives 50 / 100 = 0.5,
  // [0,0,10,12.5] gives 100 / 125 = 0.8. Against [20,20,30,30] none overlaps.
  const s = sample({ solution: "[0, 0, 10, 10] or [20, 20, 30, 30]" });
  assertEquals(iouReward("<answer>[0, 0, 10, 20] [0, 0, 5, 10] [0, 0, 10, 12.5]</answer>", s), 0.8);
  // [22, 20, 32, 30] against [20,20,30,30]: overlap 8 · 10 = 80, union 200 - 80 = 120.
  assertEquals(iouReward("<answer>[22, 20, 32, 30]</answer>", s), 80 / 120);
});

Deno.test("iouReward() reads click, bbox_2d and Qwen boxes", () => {
  // <click>0, 0, 10, 20</click> is [0, 0, 10, 20]: 100 / 200 against [0, 0, 10, 10].
  assertEquals(iouReward("<click>0, 0, 10, 20</click>", sample()), 0.5);
  assertEquals(iouReward('<answer>{"bbox_2d": [0, 0, 10, 10], "label": "cat"}</answer>', sample()), 1);
  // (100,200),(600,700) of 1000 in a 200 x 100 image is [20, 20, 120, 70]; against [20, 20, 70, 70]:
  // overlap 50 · 50 = 2500, union 5000 + 2500 - 2500 = 5000.
  const qwen = "<answer><|box_start|>(100,200),(600,700)<|box_end|></answer>";
  assertEquals(iouReward(qwen, sample({ solution: "[20, 20, 70, 70]", imageSize: [200, 100] })), 0.5);
});

Deno.test("iouReward() reads plain numbers in the coordinates option, solution and completion alike", () => {
  const s = sample({ solution: "[0, 0, 500, 500]", imageSize: [640, 480] });
  // Both in 0-1000: [0,0,250,500] against [0,0,500,500] is half of it.
  assertEquals(
    iouReward("<answer>[0, 0, 250, 500]</answer>", s, { coordinates: "norm1000", meta_boxes: false }),
    0.5,
  );
  // A Qwen box (0-1000) is comparable with norm1000 numbers even without the image's size.
  const noSize = sample({ solution: "[0, 0, 500, 500]", imageSize: null });
  const qwen = "<answer><|box_start|>(0,0),(500,250)<|box_end|></answer>";
  assertEquals(iouReward(qwen, noSize, { coordinates: "norm1000", meta_boxes: false }), 0.5);
  const norm1 = sample({ solution: "[0, 0, 0.5, 0.5]", imageSize: null });
  assertEquals(
    iouReward("<answer>[0, 0, 0.25, 0.5]</answer>", norm1, { coordinates: "norm1", meta_boxes: false }),
    0.5,
  );
});

Deno.test("iouReward() reads the <answer> when there is one, else the whole completion", () => {
  // The box in <think> would score 1, but the answer is the prediction.
  assertEquals(
    iouReward("<think>maybe [0, 0, 10, 10]</think><answer>[0, 0, 10, 20]</answer>", sample()),
    0.5,
  );
  assertEquals(iouReward("<think>maybe [0, 0, 10, 10]</think><answer>none</answer>", sample()), 0);
  // No <answer> (or an unclosed one): every box in the text counts.
  assertEquals(iouReward("The box is [0, 0, 10, 20], or [0, 0, 10, 10].", sample()), 1);
  assertEquals(iouReward("<answer>[0, 0, 10, 20]", sample()), 0.5);
  // A solution wrapped in <answer> is read the same way.
  assertEquals(iouReward("[0, 0, 10, 10]", sample({ solution: "<answer>[0, 0, 10, 10]</answer>" })), 1);
});

Deno.test("iouReward() is 0 when no box parses and null when the sample has no box", () => {
  assertEquals(iouReward("<answer>the red one</answer>", sample()), 0);
  assertEquals(iouReward("", sample()), 0);
  assertEquals(iouReward("<answer>[0, 0, 10, 10]</answer>", sample({ solution: "3" })), null);
});

Deno.test("iouReward() takes meta.boxes or meta.box only with meta_boxes", () => {
  const counted = sample({ solution: "2", meta: { boxes: [[0, 0, 10, 10], [20, 20, 30, 30], "bad"] } });
  const on = { coordinates: "pixels", meta_boxes: true };
  assertEquals(iouReward("<answer>[20, 20, 30, 40]</answer>", counted), null);
  // [20,20,30,40] against [20,20,30,30]: 100 / 200.
  assertEquals(iouReward("<answer>[20, 20, 30, 40]</answer>", counted, on), 0.5);
  assertEquals(
    iouReward("[0, 0, 10, 10]", sample({ solution: "red", meta: { box: [0, 0, 10, 10] } }), on),
    1,
  );
  assertEquals(iouReward("[0, 0, 10, 10]", sample({ solution: "red", meta: { box: [0, 0, 10] } }), on), null);
  // The solution's box comes first.
  assertEquals(iouReward("[0, 0, 10, 10]", sample({ meta: { box: [50, 50, 60, 60] } }), on), 1);
});

Deno.test("iouReward() without the image's size compares only boxes in one frame, else null, said once", () => {
  const ctx = context();
  const s = sample({ imageSize: null });
  const qwen = "<answer><|box_start|>(0,0),(100,100)<|box_end|></answer>";
  assertEquals(iouReward(qwen, s, iou.defaults, ctx), null);
  assertEquals(ctx.said.length, 1);
  assert(ctx.said[0].startsWith("iou: a sample without an image size"), ctx.said[0]);
  // A pixel box beside it still counts.
  assertEquals(
    iouReward(
      "<answer><|box_start|>(0,0),(100,100)<|box_end|> [0, 0, 10, 10]</answer>",
      s,
      iou.defaults,
      ctx,
    ),
    1,
  );
  // With the size, (0,0),(100,100) of 1000 in 100 x 100 is [0, 0, 10, 10].
  assertEquals(iouReward(qwen, sample({ imageSize: [100, 100] }), iou.defaults, ctx), 1);
  // A full Sample gives its size through its image.
  assertEquals(iouReward(qwen, { solution: "[0, 0, 10, 10]", image: { width: 100, height: 100 } }), 1);
});

Deno.test("iouReward() names a bad coordinates option", () => {
  assertThrows(
    () => iouReward("[0, 0, 1, 1]", sample(), { coordinates: "percent", meta_boxes: false }),
    Error,
    'iou: option coordinates is "percent"',
  );
});

Deno.test("iouReward() gives a number in [0, 1] on malformed completions, fast", () => {
  const completions = [
    "",
    "<answer>",
    "</answer><answer>",
    "<answer><answer>[0, 0, 10, 10]</answer></answer>",
    "<answer>[NaN, 0, 10, 10] [0, 0, Infinity, 10]</answer>",
    `<answer>[${"9".repeat(400)}, 0, 10, 10]</answer>`,
    "<answer>[-1e308, -5, -1, -1]</answer>",
    "<click>-5, -5, -1, -1</click>",
    "🙂 三角形 [0, 0, 10, 10] ∠",
    "<answer>".repeat(1_250),
    "[0, 0, 1,".repeat(1_112),
    "<|box_start|>(0,".repeat(625),
    "[0, 0, 10, 11]".repeat(714),
  ];
  for (const c of completions) {
    const v = iouReward(c, sample(), iou.defaults, context());
    assert(v !== null && Number.isFinite(v) && v >= 0 && v <= 1, `${v} on ${c.slice(0, 30)}`);
  }
  // A nested <answer> pairs the first opening with the first closing: "<answer>[0, 0, 10, 10]".
  assertEquals(iouReward("<answer><answer>[0, 0, 10, 10]</answer></answer>", sample()), 1);
});

Deno.test("iou is a RewardDefinition with pixels and no meta boxes by default", async () => {
  assertEquals(iou.name, "iou");
  assertEquals(iou.defaults, { coordinates: "pixels", meta_boxes: false });
  assertEquals(await iou.fn("<answer>[0, 0, 10, 20]</answer>", sample(), iou.defaults, context()), 0.5);
});
