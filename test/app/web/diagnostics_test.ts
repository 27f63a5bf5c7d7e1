import { assertAlmostEquals, assertEquals } from "../../assert.ts";
import {
  DEFAULT_DIAGNOSTICS,
  diagnose,
  formatWithoutAccuracy,
  klPastThreshold,
  pearson,
  rewardLengthCorrelation,
  zeroStdGroups,
} from "../../../app/web/diagnostics.ts";
import type { GroupLog, Metrics } from "../../../core/grpo/step_metrics.ts";

const steps = (rows: Record<string, number>[]): Metrics[] => rows.map((r, i) => ({ step: i + 1, ...r }));

Deno.test("formatWithoutAccuracy() warns when format rises and accuracy does not, with the numbers", () => {
  const rising = steps(
    [0.2, 0.3, 0.5, 0.7, 0.8, 0.9].map((f) => ({ "rewards/format/mean": f, "rewards/accuracy/mean": 0.25 })),
  );
  assertEquals(formatWithoutAccuracy(rising), {
    id: "format-not-accuracy",
    title: "format reward rising while accuracy stays flat",
    evidence: "format 0.33 -> 0.80, accuracy 0.25 -> 0.25 (first 3 vs last 3 steps)",
    advice: "the policy is learning the tags, not the task: lower the format weight or raise accuracy's",
  });
  const learning = steps(
    [0.2, 0.3, 0.5, 0.7].map((f) => ({ "rewards/format/mean": f, "rewards/accuracy/mean": f / 2 })),
  );
  assertEquals(formatWithoutAccuracy(learning), null);
  assertEquals(formatWithoutAccuracy(rising.slice(0, 1)), null); // too short to compare ends
  assertEquals(formatWithoutAccuracy(steps([{ reward: 1 }, { reward: 2 }])), null); // no format reward
});

Deno.test("pearson() against hand values; NaN without spread", () => {
  assertAlmostEquals(pearson([1, 2, 3, 4], [2, 4, 6, 8]), 1, 1e-12);
  assertAlmostEquals(pearson([1, 2, 3, 4], [1, 3, 2, 4]), 0.8, 1e-12);
  assertEquals(pearson([1, 1, 1], [1, 2, 3]), NaN);
});

function group(texts: string[], rewards: number[]): GroupLog {
  return {
    prompt_id: "count-0-0",
    task: "count",
    prompt: "q",
    solution: "1",
    completions: texts.map((text, i) => ({
      text,
      rewards: {},
      reward: rewards[i],
      advantage: 0,
      truncated: false,
    })),
  };
}

Deno.test("rewardLengthCorrelation() warns on a length-reward correlation over the recent completions", () => {
  const texts = Array.from({ length: 16 }, (_, i) => "x".repeat(i + 1));
  const longer = [{ step: 7, groups: [group(texts, texts.map((t) => t.length / 16))] }];
  assertEquals(rewardLengthCorrelation(longer), {
    id: "reward-length",
    title: "reward grows with completion length",
    evidence: "Pearson r = 1.00 over 16 completions of steps 7-7",
    advice:
      "longer is being rewarded for its own sake: add the length reward or check a reward for a length bias",
  });
  const unrelated = [{ step: 1, groups: [group(texts, texts.map((_, i) => (i % 2 === 0 ? 1 : 0)))] }];
  assertEquals(rewardLengthCorrelation(unrelated), null);
  assertEquals(
    rewardLengthCorrelation([{ step: 1, groups: [group(texts.slice(0, 8), [1, 2, 3, 4, 5, 6, 7, 8])] }]),
    null,
  );
});

Deno.test("zeroStdGroups() warns when most groups of the last steps have equal rewards", () => {
  const flat = steps([0.25, 1, 1, 0.75, 0.5, 1].map((f) => ({ frac_reward_zero_std: f })));
  assertEquals(zeroStdGroups(flat)?.evidence, "85 % of groups had equal rewards over the last 5 steps");
  assertEquals(zeroStdGroups(steps([{ frac_reward_zero_std: 0.25 }])), null);
  assertEquals(zeroStdGroups([]), null);
});

Deno.test("klPastThreshold() looks at the latest step; kl = null (beta 0) never warns", () => {
  assertEquals(klPastThreshold(steps([{ kl: 0.5 }, { kl: 0.2 }]))?.evidence, "kl = 0.200 at step 2");
  assertEquals(klPastThreshold(steps([{ kl: 0.5 }, { kl: 0.05 }])), null);
  assertEquals(klPastThreshold(steps([{ kl: NaN }])), null);
  assertEquals(
    klPastThreshold(steps([{ kl: 0.05 }]), { ...DEFAULT_DIAGNOSTICS, klThreshold: 0.01 })?.id,
    "kl",
  );
});

Deno.test("diagnose() lists every warning that applies, in order", () => {
  const metrics = steps([{ frac_reward_zero_std: 1, kl: 0.3 }, { frac_reward_zero_std: 1, kl: 0.4 }]);
  assertEquals(diagnose(metrics.map((m) => ({ metrics: m, groups: [] }))).map((d) => d.id), [
    "zero-std",
    "kl",
  ]);
});
