/**
 * Completions shared by the tool-use reward tests (a module of its own, since importing a _test.ts file
 * would run its tests again).
 */

import type { RewardSample } from "../../../core/rewards/types.ts";

/**
 * Two well-formed calls inside <think>, the Identify answered, boxes inside a 112 x 112 image: every part
 * 1. 49 words: 17 before the first call, 9 after the response.
 */
export const GOOD =
  "<think>The question asks who stands by the small sign on the left, so I look closer first. " +
  "<tool_call>Crop [10, 20, 60, 80]</tool_call> The crop shows a person in a red coat near it. " +
  "<tool_call>Identify [12, 22, 40, 78]</tool_call><tool_response>Ada</tool_response> " +
  "So the person is Ada, standing by the sign.</think><answer>Ada</answer>";

/** Completions no reward may throw on; each must score in its range. */
export const MALFORMED = [
  "",
  "<think>",
  "</think><think>",
  "<tool_call>",
  "<tool_call></tool_call>",
  "<tool_call><tool_call>Crop [1, 2, 3, 4]</tool_call></tool_call>",
  "<think><tool_call>Crop [1, 2, 3, 4]</think></tool_call>",
  "<tool_call>Crop [NaN, Infinity, -1, 1e999]</tool_call>",
  `<tool_call>Crop [${"9".repeat(400)}, 0, 1, 1]</tool_call>`,
  "<tool_call>Identify [1, 2, 3, 4]</tool_call><tool_response>",
  "<tool_response></tool_response></tool_response><tool_response>",
  "🙂 三角形 <think>∠ABC = 90° <tool_call>Crop [１, ２, ３, ４]</tool_call></think>",
  "<tool_call>".repeat(910),
  "<tool_call>Crop [1, 2,".repeat(500),
  "<tool_call>Identify [1, 2, 3, 4]</tool_call><tool_response>a</tool_response>".repeat(135),
  "<think>" + "word ".repeat(2_000) + "</think>",
  "</tool_response>".repeat(625),
  "[".repeat(10_000),
];

/** A sample as the tool rewards see it (they read only its image size). */
export function toolSample(imageSize: [number, number] | null = [112, 112]): RewardSample {
  return { id: "t-0", task: "tiny", prompt: "", solution: "", reference: "", meta: {}, imageSize };
}
