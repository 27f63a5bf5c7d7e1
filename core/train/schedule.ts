/**
 * Learning-rate schedules as in transformers' optimization.py: linear warm-up from 0 to the peak, then a
 * decay to 0 at max_steps. `step` counts optimizer updates already done (0 for the first update), which
 * is HF's `current_step`; so with warm-up the first update uses lr 0, as it does in HF.
 */
import type { RunConfig } from "../config/mod.ts";

export type SchedulerType = RunConfig["lr_scheduler_type"];

export type ScheduleConfig = Pick<
  RunConfig,
  "learning_rate" | "lr_scheduler_type" | "warmup_ratio" | "warmup_steps" | "max_steps"
>;

/** Multiplier after warm-up, from progress in [0, 1] (0 = end of warm-up, 1 = max_steps). */
const DECAY: Readonly<Record<SchedulerType, (progress: number) => number>> = {
  // get_cosine_schedule_with_warmup with num_cycles = 0.5: half a cosine from 1 down to 0.
  cosine: (p) => Math.max(0, 0.5 * (1 + Math.cos(Math.PI * p))),
  // get_linear_schedule_with_warmup.
  linear: (p) => Math.max(0, 1 - p),
  // get_constant_schedule_with_warmup.
  constant: () => 1,
};

/** HF TrainingArguments.get_warmup_steps: warmup_steps when > 0, else ceil(warmup_ratio * max_steps). */
export function warmupSteps(c: Pick<ScheduleConfig, "warmup_ratio" | "warmup_steps" | "max_steps">): number {
  return c.warmup_steps > 0 ? c.warmup_steps : Math.ceil(c.warmup_ratio * c.max_steps);
}

/** The learning rate for the update after `step` completed updates. */
export function learningRateAt(step: number, c: ScheduleConfig): number {
  const warmup = warmupSteps(c);
  if (step < warmup) return c.learning_rate * (step / Math.max(1, warmup));
  // Clamped at 1 so that steps past max_steps stay at 0 (HF's cosine would rise again there).
  const progress = Math.min(1, (step - warmup) / Math.max(1, c.max_steps - warmup));
  return c.learning_rate * DECAY[c.lr_scheduler_type](progress);
}

/** `learningRateAt` bound to one config. */
export function makeSchedule(c: ScheduleConfig): (step: number) => number {
  return (step) => learningRateAt(step, c);
}
