import { assert, assertAlmostEquals, assertEquals, assertRejects, assertThrows } from "../../assert.ts";
import { clipScore, cosine, loadClip } from "../../../core/rewards/clip_similarity.ts";
import { ciderD } from "../../../core/rewards/cider.ts";
import {
  explanation,
  type ExplanationOptions,
  extractExplanation,
} from "../../../core/rewards/explanation.ts";
import type { RewardContext, RewardSample, RewardValue } from "../../../core/rewards/types.ts";

const EXPLAIN = [
  "The largest shape is the red circle.",
  "The red circle at (40, 52) is bigger than every other shape, so the answer is red.",
  "Of the 4 shapes, the biggest is a circle, and it is red.",
];

function sample(explanations: string[] | undefined, id = "attribute-1-0"): RewardSample {
  return {
    id,
    task: "attribute",
    prompt: "What colour is the largest shape?",
    solution: "red",
    reference: "<think>x</think><answer>red</answer>",
    explanations,
    meta: {},
    imageSize: [112, 112],
  };
}

/** A context that records what the reward says. */
function context(): RewardContext & { said: string[] } {
  const said: string[] = [];
  return { said, sayOnce: (m) => void said.push(m) };
}

/** CLIP off, idf from the sample's own references (the golden cases below are computed that way). */
const OFF: ExplanationOptions = { ...explanation.defaults, idf: "references" };
const completion = (text: string) => `<think>x</think><answer>red</answer><explain>${text}</explain>`;

/** The reward with CLIP off, which answers synchronously. */
function score(text: string, s: RewardSample, options = OFF, ctx = context()): RewardValue {
  const value = explanation.fn(text, s, options, ctx);
  if (value instanceof Promise) throw new Error("expected a synchronous value with CLIP off");
  return value;
}

Deno.test("extractExplanation() takes the first <explain> to the next </explain>, trimmed", () => {
  assertEquals(extractExplanation("<answer>a</answer><explain> because </explain>"), "because");
  assertEquals(extractExplanation("<explain>a</explain><explain>b</explain>"), "a");
  assertEquals(extractExplanation("<explain>a<explain>b</explain>"), "a<explain>b");
  assertEquals(extractExplanation("<explain></explain>"), "");
  assertEquals(extractExplanation("<explain>unclosed"), null);
  assertEquals(extractExplanation("</explain>closed first<explain>"), null);
  assertEquals(extractExplanation("no tags"), null);
});

Deno.test("fn() is CIDEr-D / 10 with each reference its own idf document (numpy golden values)", () => {
  // cider_reference.py, case 3 of cider_test.ts: CIDEr-D 3.3532988944306363, 2.238924341323831,
  // 0.6798794296885392 and 0. "red" and "circle" are in every reference, so their idf is 0: the paraphrase
  // scores below the wrong colour, which copies the first reference's other words.
  const s = sample(EXPLAIN);
  assertAlmostEquals(score(completion(EXPLAIN[0]), s)!, 0.33532988944306363, 1e-6);
  assertAlmostEquals(
    score(completion("The largest shape is the blue circle."), s)!,
    0.2238924341323831,
    1e-6,
  );
  assertAlmostEquals(score(completion("The biggest shape is a red circle."), s)!, 0.06798794296885392, 1e-6);
  assertEquals(score(completion("banana"), s), 0);
});

Deno.test("fn() uses flat idf, and says so once, when the sample has one reference", () => {
  // cider_reference.py, case 4 of cider_test.ts: flat idf, CIDEr-D 5.583333333333334 and 10.
  const ctx = context();
  const s = sample([EXPLAIN[0]], "one-ref");
  assertAlmostEquals(
    score(completion("the red circle is the largest shape"), s, OFF, ctx)!,
    0.5583333333333334,
    1e-6,
  );
  assertEquals(score(completion(EXPLAIN[0]), s, OFF, ctx), 1);
  assert(
    ctx.said.some((m) => m.includes("a sample with a single reference explanation gets flat idf")),
    ctx.said.join("\n"),
  );
});

Deno.test("fn() with idf 'flat' weighs every n-gram 1 whatever the number of references", () => {
  // Flat idf does not depend on the references, so the score against two references is the mean of the
  // scores against each: 10 against itself (every sim_k = 1, penalty 1) and x against "a b" alone.
  const flat = { ...OFF, idf: "flat" };
  const both = score(completion(EXPLAIN[0]), sample([EXPLAIN[0], "a b"]), flat)!;
  const other = score(completion(EXPLAIN[0]), sample(["a b"]), flat)!;
  assertAlmostEquals(both, (1 + other) / 2, 1e-15);
});

Deno.test("fn() is null without reference explanations and 0 without an explanation", () => {
  assertEquals(score(completion("red"), sample(undefined)), null);
  assertEquals(score(completion("red"), sample([])), null);
  const s = sample(EXPLAIN);
  for (
    const bad of [
      "",
      "<answer>red</answer>",
      "<explain>The largest shape is the red circle.",
      "The largest shape is the red circle.</explain>",
      "<explain></explain>",
      "<explain>  ?!, </explain>",
      "<EXPLAIN>The largest shape is the red circle.</EXPLAIN>",
    ]
  ) assertEquals(score(bad, s), 0, JSON.stringify(bad));
});

Deno.test("fn() says once that the CLIP part is off when no clip_model is given", () => {
  const ctx = context();
  score(completion("red"), sample(EXPLAIN), OFF, ctx);
  assertEquals(ctx.said, [
    "explanation: no CLIP folder given (reward_options.explanation.clip_model), so the CLIP part is off " +
    "and clip_weight is unused: the reward is CIDEr-D alone",
  ]);
});

Deno.test("fn() stays in [0, 1] on malformed and adversarial completions", () => {
  const s = sample(EXPLAIN);
  // Bodies cut to 9,950 characters, so that each completion is about 10,000 with its tags intact.
  const long = (body: string) => completion(body.slice(0, 9_950));
  const cases = [
    completion("NaN Infinity -Infinity 1e309 -0 -12345678901234567890"),
    completion("🙂 Một con mèo đỏ 红色的圆 \u0000 \uFFFF"),
    completion("<explain><explain><explain>"),
    "<explain>".repeat(1111),
    "<explain>" + "</explai".repeat(1250),
    long("the red circle ".repeat(700)),
    long("1.".repeat(5000)),
    long("a\u0301".repeat(5000)),
    long(Array.from({ length: 2500 }, (_, i) => `w${i}`).join(" ")),
    long(EXPLAIN.join(" ").repeat(100)),
  ];
  for (const c of cases) {
    assert(c.length >= 40, "case too short");
    const v = score(c, s);
    assert(v !== null && v >= 0 && v <= 1, `${c.slice(0, 30)}...: ${v}`);
  }
});

Deno.test("fn() names the option that is out of range", () => {
  const s = sample(EXPLAIN);
  assertThrows(
    () => score("x", s, { ...OFF, idf: "corpus" }),
    Error,
    "idf must be one of batch, references, flat",
  );
  assertThrows(
    () => score("x", s, { ...OFF, clip_weight: 1.5 }),
    Error,
    "clip_weight must be in [0, 1], got 1.5",
  );
  assertThrows(() => score("x", s, { ...OFF, clip_weight: NaN }), Error, "clip_weight must be in [0, 1]");
});

Deno.test("explanation declares its defaults, and that it reads the image only with a CLIP folder", () => {
  assertEquals(explanation.name, "explanation");
  assertEquals(explanation.defaults, { idf: "batch", clip_model: "", clip_weight: 0.3 });
  assertEquals(explanation.needsImage!({ ...explanation.defaults }), false);
  assertEquals(explanation.needsImage!({ ...explanation.defaults, clip_model: "/models/clip" }), true);
});

Deno.test("cosine() and clipScore() give CLIPScore: min(1, 2.5 · max(0, cos))", () => {
  // (1, 2, 2) · (2, 1, 2) = 8; both norms 3: 8/9.
  assertAlmostEquals(cosine([1, 2, 2], [2, 1, 2]), 8 / 9, 1e-15);
  assertEquals(cosine([0, 0], [1, 1]), 0);
  assertThrows(() => cosine([1], [1, 2]), Error, "lengths 1 and 2 differ");
  assertAlmostEquals(clipScore(0.3), 0.75, 1e-15);
  assertEquals(clipScore(0.5), 1);
  assertEquals(clipScore(0.9), 1);
  assertEquals(clipScore(-0.2), 0);
  assertThrows(() => clipScore(NaN), Error, "NaN");
});

// No CLIP model exists on the machine these tests were written on (no network either), so the CLIP path
// is tested up to loading: a missing and a broken folder are errors that name the folder.
Deno.test("loadClip() rejects a missing folder or one without the model files, naming it", async () => {
  await assertRejects(() => loadClip("no/such/clip-folder"), Error, 'from "no/such/clip-folder"');
  const folder = await Deno.makeTempDir({ prefix: "clip-empty-" });
  try {
    await Deno.writeTextFile(`${folder}/config.json`, "{ not json");
    await assertRejects(
      () => loadClip(folder),
      Error,
      `from "${folder}": ${folder} lacks tokenizer.json, tokenizer_config.json, preprocessor_config.json, ` +
        "onnx/text_model.onnx, onnx/vision_model.onnx",
    );
    for (const file of ["tokenizer.json", "tokenizer_config.json", "preprocessor_config.json"]) {
      await Deno.writeTextFile(`${folder}/${file}`, "{}");
    }
    await Deno.mkdir(`${folder}/onnx`);
    await Deno.writeTextFile(`${folder}/onnx/text_model.onnx`, "not a model");
    await Deno.writeTextFile(`${folder}/onnx/vision_model.onnx`, "not a model");
    await assertRejects(() => loadClip(folder), Error, `${folder}/config.json is not JSON`);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("fn() rejects a CLIP folder whose files do not load, naming the folder", async () => {
  // Every file present but the ONNX files are not models: Transformers.js itself fails, and the error
  // that comes back names the folder.
  const folder = await Deno.makeTempDir({ prefix: "clip-broken-" });
  try {
    await Deno.mkdir(`${folder}/onnx`);
    for (
      const file of ["config.json", "tokenizer.json", "tokenizer_config.json", "preprocessor_config.json"]
    ) {
      await Deno.writeTextFile(`${folder}/${file}`, "{}");
    }
    await Deno.writeTextFile(`${folder}/onnx/text_model.onnx`, "not a model");
    await Deno.writeTextFile(`${folder}/onnx/vision_model.onnx`, "not a model");
    const s = { ...sample(EXPLAIN), image: { width: 2, height: 2, pixels: new Uint8Array(12) } };
    const options = { ...OFF, clip_model: folder };
    await assertRejects(
      async () => await explanation.fn(completion("red"), s, options, context()),
      Error,
      `explanation: cannot load the CLIP model from "${folder}"`,
    );
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("fn() with clip_model set fails, naming the sample, when the image was not sent", async () => {
  const options = { ...OFF, clip_model: "/some/clip" };
  await assertRejects(
    async () => await explanation.fn(completion("red"), sample(EXPLAIN, "no-pixels"), options, context()),
    Error,
    "sample no-pixels came without its image",
  );
});

Deno.test("fn() with idf=batch (the default) is corpus-level CIDEr-D over the batch's distinct samples", () => {
  const a = sample(EXPLAIN, "attribute-1-0");
  const b = sample(
    ["The smallest shape is a blue square.", "A blue square, smaller than the rest."],
    "attribute-1-1",
  );
  // A GRPO batch repeats each sample once per completion; df counts each distinct sample once.
  const batch = [a, a, b, b];
  const ctx = { ...context(), batch };
  const text = "the red circle is the largest shape";
  const got = explanation.fn(completion(text), a, { ...explanation.defaults }, ctx) as number;
  // ciderD() is checked against the numpy reference in cider_test.ts: df over the two reference sets.
  const [expected] = ciderD([text, "unused"], [EXPLAIN, b.explanations!]);
  assertAlmostEquals(got, expected / 10, 1e-12);
  assert(got > 0, "red and circle now carry weight: only sample a's references hold them");
  assertEquals(ctx.said.length, 1); // only the CLIP-off line
});
