/** The RewardContext a reward is called with, over the run's one Notes (core/notes.ts). */
import type { Notes } from "../notes.ts";
import type { RewardContext } from "./types.ts";

/**
 * The RewardContext of a call: its sayOnce is `notes` (the run's one Notes), so a line is said once
 * however many calls, scorers or threads say it. `ctx.notes` is the same object, for the caller.
 */
export function rewardContext(
  notes: Notes,
  generate?: RewardContext["generate"],
): RewardContext & { notes: Notes } {
  return { generate, notes, sayOnce: (line) => notes.say(line) };
}
