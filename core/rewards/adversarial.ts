/**
 * The completions every reward must survive, and one sample of each kind the rewards read differently.
 * `deno task bench` times the rewards on them (app/cli/bench_rewards.ts); test/core/rewards/
 * adversarial_test.ts checks the values.
 */
import { makeSample } from "../data/mod.ts";
import { rewardSample } from "./registry.ts";
import type { RewardSample } from "./types.ts";

/** Malformed and adversarial completions: tags missing, unclosed, nested; odd numbers; 10,000 characters. */
export const ADVERSARIAL_COMPLETIONS: readonly string[] = [
  "",
  "<answer>",
  "<answer></answer>",
  "<think><answer>3</think></answer>",
  "<think>a</think><answer>NaN</answer>",
  "<think>a</think><answer>Infinity</answer>",
  "<think>a</think><answer>-1e308</answer>",
  `<think>a</think><answer>${"9".repeat(400)}</answer>`,
  "<answer>[-5, -5, 1e308, 1e308]</answer>",
  "<answer>[NaN, 0, 10, 10]</answer><explain></explain>",
  '<answer>{"bbox_2d": [1, 2]}</answer>',
  "<|box_start|>(1001,-3),(5,5)<|box_end|>",
  "<scan></scan><think></think><answer></answer>",
  "三角形 ∠ABC <think>角</think><answer>三</answer>",
  "\u0000\uFFFF\uD800",
  "<answer>".repeat(1250),
  "<think>".repeat(1428),
  "<tool_call>".repeat(910),
  "<tool_call>Crop [1, 2,".repeat(500),
  "[".repeat(10_000),
  "[0, 0, 1,".repeat(1_111),
  "<|box_start|>(0,".repeat(625),
  "1.".repeat(5000),
  "<explain>" + "the red circle ".repeat(666) + "</explain>",
  "<answer>" + "(1) A ".repeat(1666) + "</answer>",
  "<think>" + "word ".repeat(1998) + "</think>",
  "x".repeat(10_000),
];

/** One sample of each synthetic kind the rewards read differently (count, box, colour with explanations). */
export function benchSamples(): RewardSample[] {
  return ["count", "grounding", "attribute"].map((task) => rewardSample(makeSample(task, 1, 0)));
}
