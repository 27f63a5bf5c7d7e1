/**
 * Custom rewards added in the page: a .js module read from disk becomes a blob: URL in
 * custom_rewards.NAME (NAME from the file's name) and NAME joins reward_funcs with weight 1. The trainer
 * worker and its reward worker import that URL as `deno task train` imports a path (reward_set.ts).
 */
import type { RunConfig } from "../../core/config/fields.ts";
import { REWARDS } from "../../core/rewards/registry.ts";

/** "my-length.reward.js" -> "my_length_reward"; a built-in's name is an error that says so. */
export function customRewardName(fileName: string): string {
  const base = fileName.replace(/\.(m?js)$/i, "");
  if (base === fileName) {
    throw new Error(`${fileName}: a custom reward is a JavaScript module (.js or .mjs)`);
  }
  let name = base.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^_+|_+$/g, "");
  if (name === "") throw new Error(`${fileName}: its name has no letters to name the reward by`);
  if (/^[0-9]/.test(name)) name = `custom_${name}`;
  if (Object.hasOwn(REWARDS, name)) {
    throw new Error(
      `${fileName}: "${name}" is a built-in reward; rename the file so that the custom one has its own name`,
    );
  }
  return name;
}

/** The settings that add (or replace) custom reward `name` at `url`, weight 1 when it is new. */
export function customRewardSettings(
  config: RunConfig,
  name: string,
  url: string,
): Record<string, unknown> {
  const funcs = [...config.reward_funcs];
  const weights = config.reward_weights.length > 0 ? [...config.reward_weights] : funcs.map(() => 1);
  if (!funcs.includes(name)) {
    funcs.push(name);
    weights.push(1);
  }
  return {
    custom_rewards: { ...(config.custom_rewards as Record<string, string>), [name]: url },
    reward_funcs: funcs,
    reward_weights: weights,
  };
}
