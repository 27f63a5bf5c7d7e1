import { assertAlmostEquals, assertEquals } from "../../assert.ts";
import { learningRateAt, type ScheduleConfig, warmupSteps } from "../../../core/train/schedule.ts";

const BASE: ScheduleConfig = {
  learning_rate: 1e-3,
  lr_scheduler_type: "cosine",
  warmup_ratio: 0,
  warmup_steps: 10,
  max_steps: 100,
};

Deno.test("learningRateAt() warms up linearly then follows HF's cosine to 0 at max_steps", () => {
  // HF get_cosine_schedule_with_warmup(10, 100): step/10 during warm-up, then
  // 0.5 (1 + cos(π (step - 10) / 90)). At 55: cos(π/2) = 0 -> 0.5. At 77: 0.5 (1 + cos(67π/90)).
  const expected: [number, number][] = [
    [0, 0],
    [5, 0.5e-3],
    [10, 1e-3],
    [55, 0.5e-3],
    [77, 1e-3 * 0.5 * (1 + Math.cos((67 * Math.PI) / 90))], // 1.5267081e-4
    [100, 0],
    [130, 0], // past the end it stays at 0
  ];
  for (const [step, lr] of expected) {
    assertAlmostEquals(learningRateAt(step, BASE), lr, 1e-12, `step ${step}`);
  }
  assertAlmostEquals(learningRateAt(77, BASE), 1.5267081477050133e-4, 1e-15);
});

Deno.test("learningRateAt() decays linearly or holds constant after warm-up", () => {
  const linear = { ...BASE, lr_scheduler_type: "linear" as const };
  assertAlmostEquals(learningRateAt(55, linear), 0.5e-3, 1e-12); // (100 - 55) / 90
  assertAlmostEquals(learningRateAt(100, linear), 0, 1e-12);
  const constant = { ...BASE, lr_scheduler_type: "constant" as const };
  assertAlmostEquals(learningRateAt(5, constant), 0.5e-3, 1e-12);
  assertAlmostEquals(learningRateAt(99, constant), 1e-3, 1e-12);
});

Deno.test("warmupSteps() uses warmup_steps when > 0, else ceil(warmup_ratio x max_steps)", () => {
  assertEquals(warmupSteps({ warmup_steps: 7, warmup_ratio: 0.5, max_steps: 100 }), 7);
  assertEquals(warmupSteps({ warmup_steps: 0, warmup_ratio: 0.05, max_steps: 30 }), 2); // ceil(1.5)
  assertEquals(learningRateAt(0, { ...BASE, warmup_steps: 0 }), 1e-3); // no warm-up: the peak at once
});
