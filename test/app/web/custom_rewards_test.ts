import { assertEquals, assertThrows } from "../../assert.ts";
import { customRewardName, customRewardSettings } from "../../../app/web/custom_rewards.ts";
import { resolveConfig } from "../../../app/web/config_io.ts";

Deno.test("customRewardName() names a reward after its .js file, and refuses others", () => {
  assertEquals(customRewardName("length-reward.js"), "length_reward");
  assertEquals(customRewardName("my reward.v2.mjs"), "my_reward_v2");
  assertEquals(customRewardName("2x.js"), "custom_2x");
  assertThrows(
    () => customRewardName("reward.ts"),
    Error,
    "reward.ts: a custom reward is a JavaScript module (.js or .mjs)",
  );
  assertThrows(
    () => customRewardName("---.js"),
    Error,
    "---.js: its name has no letters to name the reward by",
  );
  assertThrows(
    () => customRewardName("iou.js"),
    Error,
    'iou.js: "iou" is a built-in reward; rename the file so that the custom one has its own name',
  );
});

Deno.test("customRewardSettings() adds a reward with weight 1, and replaces its module when added again", () => {
  const config = resolveConfig({ reward_funcs: ["format", "accuracy"], reward_weights: [0.5, 2] });
  const added = customRewardSettings(config, "mine", "blob:http://127.0.0.1/a");
  assertEquals(added, {
    custom_rewards: { mine: "blob:http://127.0.0.1/a" },
    reward_funcs: ["format", "accuracy", "mine"],
    reward_weights: [0.5, 2, 1],
  });
  // The settings resolve as a run config (custom_rewards.NAME is a string map).
  const next = resolveConfig({}, { source: "page settings", values: added });
  assertEquals(next.custom_rewards, { mine: "blob:http://127.0.0.1/a" });
  const again = customRewardSettings(next, "mine", "blob:http://127.0.0.1/b");
  assertEquals(again, {
    custom_rewards: { mine: "blob:http://127.0.0.1/b" },
    reward_funcs: ["format", "accuracy", "mine"],
    reward_weights: [0.5, 2, 1],
  });
  // No weights given: each reward weighs 1.
  const plain = resolveConfig({ reward_funcs: ["format"], reward_weights: [] });
  assertEquals(customRewardSettings(plain, "mine", "x.js").reward_weights, [1, 1]);
});
