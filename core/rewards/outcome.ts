/**
 * outcome: a tiered accuracy for free-text answers, where an answer that holds most of the right words
 * deserves more than one that holds none.
 */
import { extractAnswer, normaliseAnswer } from "./answer.ts";
import type { RewardDefinition } from "./types.ts";

/** The tiers' values, as in the project it comes from. */
export const OUTCOME_EXACT = 3;
export const OUTCOME_PARTIAL = 1.5;
/** Share of the solution's distinct words the answer must hold for the partial tier ("at least 50 %"). */
export const OUTCOME_PARTIAL_SHARE = 0.5;

/**
 * 3 when the <answer> and the solution normalise to the same text (case, punctuation, spacing, "3.0" =
 * "three" = "3"); 1.5 when the answer's words include at least half of the solution's distinct words;
 * else 0. 0 also when there is no <answer> or the solution normalises to nothing (no words to hold).
 */
export function outcomeReward(completion: string, solution: string): number {
  const answer = extractAnswer(completion);
  if (answer === null) return 0;
  const truth = normaliseAnswer(solution);
  if (truth === "") return 0;
  const given = normaliseAnswer(answer);
  if (given === truth) return OUTCOME_EXACT;
  const truthWords = new Set(truth.split(" "));
  const givenWords = new Set(given.split(" "));
  let held = 0;
  for (const w of truthWords) if (givenWords.has(w)) held++;
  // Compared as held >= share · total rather than a quotient, so that 1 of 2 is exactly "50 %".
  return held >= OUTCOME_PARTIAL_SHARE * truthWords.size ? OUTCOME_PARTIAL : 0;
}

export const outcome: RewardDefinition = {
  name: "outcome",
  // A tagged solution (a data set's whole gpt turn) is judged by its <answer>, as accuracy does.
  fn: (completion, sample) => outcomeReward(completion, extractAnswer(sample.solution) ?? sample.solution),
  defaults: {},
  range: "{0, 1.5, 3}",
  doc: "3 when the <answer> equals the solution after normalisation; 1.5 when it holds >= 50 % of the " +
    "solution's distinct words; else 0 (also with no <answer>)",
  source: "VLM-R1 fork for ViVQA-X (Vietnamese VQA), outcome_rewards.py",
};
