/**
 * Every registered reward on malformed and adversarial completions (missing, unclosed and nested tags,
 * NaN, Infinity, huge and negative numbers, empty strings, Unicode, 10,000 characters), with samples of
 * each kind: each value is null or a finite number inside the reward's documented range.
 */
import { assert, assertEquals } from "../../assert.ts";
import { REWARDS } from "../../../core/rewards/registry.ts";
import { loadRewardSet, rewardContext, scoreRewards } from "../../../core/rewards/reward_set.ts";
import type { RewardSample } from "../../../core/rewards/types.ts";
import { MALFORMED, toolSample } from "./tool_use_fixtures.ts";
import { ADVERSARIAL_COMPLETIONS, benchSamples } from "../../../core/rewards/adversarial.ts";
import { Notes } from "../../../core/notes.ts";

/** The documented range of each reward (README, Rewards), as the values it may take. */
const RANGES: Record<string, { min: number; max: number; values?: number[] }> = {
  format: { min: 0, max: 1, values: [0, 1] },
  format_partial: { min: 0, max: 1, values: [0, 0.3, 0.6, 1] },
  accuracy: { min: 0, max: 1 },
  outcome: { min: 0, max: 3, values: [0, 1.5, 3] },
  iou: { min: 0, max: 1 },
  tool_usage: { min: 0, max: 1 },
  bbox_validity: { min: 0, max: 1 },
  reasoning_quality: { min: 0, max: 1 },
  tool_calling: { min: 0, max: 1 },
  visual_grounding: { min: 0, max: 0.1, values: [0, 0.1] },
  explanation: { min: 0, max: 1 },
  length: { min: -1, max: 0 },
  repetition: { min: -1, max: 0 },
  blindfold: { min: -0.5, max: 1.1, values: [-0.5, -0.4, 1, 1.1] },
};

const COMPLETIONS = [...MALFORMED, ...ADVERSARIAL_COMPLETIONS];

const SAMPLES: RewardSample[] = [
  ...benchSamples(),
  { ...toolSample(null), explanations: ["a red circle", "the circle is red"] },
];

Deno.test("every registered reward has a documented range in this test", () => {
  assertEquals(Object.keys(REWARDS).sort(), Object.keys(RANGES).sort());
});

Deno.test("every reward but blindfold gives null or a value in its range on adversarial completions", async () => {
  const names = Object.keys(REWARDS).filter((n) => n !== "blindfold");
  const rewards = await loadRewardSet(
    { reward_funcs: names, reward_options: {}, custom_rewards: {} },
    new URL("file:///"),
  );
  const rows = SAMPLES.flatMap((s) => COMPLETIONS.map((c) => ({ c, s })));
  const scores = await scoreRewards(
    rewards,
    rows.map((r) => r.c),
    rows.map((r) => r.s),
    rewardContext(new Notes()),
  );
  scores.forEach((column, f) => {
    const { min, max, values } = RANGES[names[f]];
    column.forEach((v, r) => {
      const where = `${names[f]} on ${JSON.stringify(rows[r].c.slice(0, 40))} (${rows[r].s.id}) = ${v}`;
      if (v === null) return;
      assert(Number.isFinite(v) && v >= min - 1e-12 && v <= max + 1e-12, where);
      if (values) assert(values.some((x) => Math.abs(x - v) < 1e-12), where);
    });
  });
});

Deno.test("blindfold gives wrong (+ bonus) without a scan, whatever else the completion holds", async () => {
  const [blind] = await loadRewardSet(
    { reward_funcs: ["blindfold"], reward_options: {}, custom_rewards: {} },
    new URL("file:///"),
  );
  const withoutScan = COMPLETIONS.filter((c) => !/<scan>[\s\S]*?\S[\s\S]*?<\/scan>/.test(c));
  const [scores] = await scoreRewards(
    [blind],
    withoutScan,
    withoutScan.map(() => SAMPLES[0]),
    rewardContext(new Notes()),
  );
  // Only "<scan></scan><think></think><answer></answer>" has all three tags.
  assertEquals(scores, withoutScan.map((c) => (c.startsWith("<scan></scan><think>") ? -0.4 : -0.5)));
});
