/**
 * The policy's text-only generations that rewards ask for (blindfold's second pass), on the tiny model:
 * calls made in one tick are one batch, exactly as one generate() call over those prompts; and the
 * blindfold reward scores what the policy really answered.
 */
import { assertEquals } from "../../assert.ts";
import { initBackend } from "../../../core/backend.ts";
import { makeSample } from "../../../core/data/mod.ts";
import { normalStream, Rng } from "../../../core/random.ts";
import { accuracyReward } from "../../../core/rewards/accuracy.ts";
import { BLINDFOLD_DEFAULTS, blindfoldReward, blindPrompt } from "../../../core/rewards/blindfold.ts";
import { rewardSample } from "../../../core/rewards/registry.ts";
import { rewardContext } from "../../../core/rewards/reward_set.ts";
import { generate } from "../../../core/rollout/generate.ts";
import type { SamplingOptions } from "../../../core/rollout/sampling.ts";
import { batchedTextGenerator } from "../../../core/rollout/text_generate.ts";
import { taskVocabulary } from "../../../core/text/vocabulary.ts";
import { Qwen2VLModel, tiny } from "../../../models/qwen2_vl/mod.ts";
import { loadLab } from "../../helpers/tiny_lab.ts";
import { Notes } from "../../../core/notes.ts";

await initBackend({ override: "wasm", log: () => {} });
const { text } = await loadLab();
const sample = rewardSample(makeSample("count", 0, 0));
const SCANS = ["red circle", "two red circles", "blue square"];
const PROMPTS = SCANS.map((scan) => blindPrompt(BLINDFOLD_DEFAULTS.template, scan, sample.prompt));
// The tiny model reads only the ids of its vocabulary: add those of the blind prompts.
const vocab = taskVocabulary(text, { extraTexts: PROMPTS.map((p) => text.renderTextPrompt(p)) });
const model = Qwen2VLModel.init(tiny(vocab), normalStream(5));
const SAMPLING: SamplingOptions = { temperature: 1, top_p: 1, top_k: 0, min_p: 0, repetition_penalty: 1 };
const options = (rng: Rng) => ({ model, text, sampling: SAMPLING, maxCompletionLength: 6, rng });

Deno.test("blindPrompt() fills {scan} and {question} once each, leaving braces in the scan alone", () => {
  assertEquals(
    blindPrompt("Q: {question} S: {scan}", "a {question} b", "how many?"),
    "Q: how many? S: a {question} b",
  );
});

Deno.test("batchedTextGenerator() answers calls of one tick with one batch, as generate() over those prompts", async () => {
  const gen = batchedTextGenerator(options(new Rng(9)));
  const got = await Promise.all(PROMPTS.map((p) => gen(p)));
  const direct = await generate(model, {
    prompts: PROMPTS.map((p) => text.encodeTextPrompt(p)),
    numGenerations: 1,
    sampling: SAMPLING,
    maxCompletionLength: 6,
    stopIds: [text.ids.imEnd],
    padId: text.ids.pad,
    rng: new Rng(9),
  });
  assertEquals(got, direct.completionIds.map((ids) => text.decode(ids, { skipSpecialTokens: true })));
  // Text-only prompts: no image tokens at all.
  assertEquals(text.encodeTextPrompt(PROMPTS[0]).inputIds.includes(text.ids.imagePad), false);
});

Deno.test("blindfoldReward() asks the policy the question with the scan only and scores its answer", async () => {
  const gen = batchedTextGenerator(options(new Rng(4)));
  const asked: string[] = [];
  const answers: string[] = [];
  const ctx = rewardContext(new Notes(), async (prompt) => {
    asked.push(prompt);
    const answer = await gen(prompt);
    answers.push(answer);
    return answer;
  });
  const full = `<scan>${SCANS[1]}</scan><think>x</think><answer>2</answer>`;
  const noThink = `<scan>${SCANS[0]}</scan><answer>2</answer>`;
  const values = await Promise.all(
    [full, noThink].map((c) => blindfoldReward(c, sample, BLINDFOLD_DEFAULTS, ctx)),
  );
  assertEquals(asked, [PROMPTS[1], PROMPTS[0]]);
  // +1.0 if the blind answer is right, -0.5 if not; +0.1 only for the completion with all three tags.
  const blind = answers.map((a) => (accuracyReward(a, sample) === 1 ? 1.0 : -0.5));
  assertEquals(values, [blind[0] + 0.1, blind[1]]);
});

Deno.test("blindfoldReward() gives wrong without a second pass when there is no scan, and needs the policy otherwise", async () => {
  const ctx = rewardContext(new Notes());
  assertEquals(
    await blindfoldReward("<think>x</think><answer>2</answer>", sample, BLINDFOLD_DEFAULTS, ctx),
    -0.5,
  );
  assertEquals(
    await blindfoldReward("<scan> </scan><think></think><answer>1</answer>", sample, BLINDFOLD_DEFAULTS, ctx),
    -0.4,
  );
  let error = "";
  await blindfoldReward("<scan>a red circle</scan>", sample, BLINDFOLD_DEFAULTS, ctx).catch((e) =>
    error = e.message
  );
  assertEquals(error, "blindfold needs the policy for its second pass; it runs only inside training");
});
