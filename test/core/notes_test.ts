import { assertEquals } from "../assert.ts";
import { Notes } from "../../core/notes.ts";
import { rewardContext } from "../../core/rewards/context.ts";
import { iouReward } from "../../core/rewards/iou.ts";

Deno.test("Notes.say() keeps each line once in first-said order; take() hands out only what is new", () => {
  const notes = new Notes();
  notes.say("a");
  notes.say("b");
  notes.say("a");
  assertEquals(notes.take(), ["a", "b"]);
  notes.say("b");
  notes.say("c");
  assertEquals(notes.take(), ["c"]);
  assertEquals(notes.take(), []);
  assertEquals(notes.said, ["a", "b", "c"]);
});

Deno.test("two rewards' contexts over one Notes say a line once between them (no module global)", () => {
  const run = new Notes();
  // A box in pixels against one in Qwen's 0-1000 frame with no image size: iou says so, and scores null.
  const sample = { solution: "<|box_start|>(0,0),(500,500)<|box_end|>", prompt: "", meta: {} };
  for (let i = 0; i < 3; i++) {
    assertEquals(iouReward("<answer>[0, 0, 10, 10]</answer>", sample, undefined, rewardContext(run)), null);
  }
  assertEquals(run.take().length, 1);
  // Another run's Notes hears it again: the line belongs to the run, not to the process.
  const other = new Notes();
  iouReward("<answer>[0, 0, 10, 10]</answer>", sample, undefined, rewardContext(other));
  assertEquals(other.said.length, 1);
});
