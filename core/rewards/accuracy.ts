/**
 * accuracy: the <answer> against the solution. The solution's shape picks the rule: a box is judged by
 * IoU, a choice letter by the answered letter, a numbered list by set overlap, a number with a tolerance,
 * anything else by normalised exact match (which every shape also accepts).
 */
import { extractAnswer, normaliseAnswer, parseNumber } from "./answer.ts";
import { parseBoxes } from "./boxes.ts";
import { iouReward, type IouSample } from "./iou.ts";
import type { RewardContext, RewardDefinition } from "./types.ts";

/** IoU at or above which a grounding answer counts as correct. */
export const GROUNDING_IOU_THRESHOLD = 0.5;

export type AccuracyOptions = { numeric_tolerance: number; iou_threshold: number };

export const ACCURACY_DEFAULTS: Readonly<AccuracyOptions> = {
  // 0: a number must be equal ("3" = "3.0" = "three"); e.g. 0.01 accepts answers within 1 % of it.
  numeric_tolerance: 0,
  iou_threshold: GROUNDING_IOU_THRESHOLD,
};

/**
 * 1 when the answer matches the solution, 0 when it does not or there is no <answer>; for a numbered-list
 * solution, the IoU of the answered items with the solution's. Range [0, 1].
 *
 * In order: a box solution gives 1 when the iou reward (every box form it reads, the best pair) is at
 * least iou_threshold; otherwise 1 when the two normalise to the same text; a choice solution ("B", "(B)",
 * "B. dog") gives 1 when the answer names the same letter (or, naming none, is the option's text); a list
 * solution ("(1) A (2) B") gives |S ∩ A| / |S ∪ A| of the normalised items; a number s gives 1 when the
 * answer is a number a with |a - s| <= numeric_tolerance · |s|.
 */
export function accuracyReward(
  completion: string,
  sample: IouSample,
  options: Readonly<AccuracyOptions> = ACCURACY_DEFAULTS,
  ctx?: RewardContext,
): number {
  const tolerance = checkNonNegative("numeric_tolerance", options.numeric_tolerance);
  const threshold = checkNonNegative("iou_threshold", options.iou_threshold);
  const answer = extractAnswer(completion);
  if (answer === null) return 0;
  // A data set's solution may itself be a tagged completion ("<think>..</think><answer>2</answer>"):
  // then its <answer> is the ground truth.
  const solution = extractAnswer(sample.solution) ?? sample.solution;
  // A box solution is judged as the iou reward judges it, so that the two never disagree on a box form.
  if (parseBoxes(solution, "pixels").length > 0) {
    return (iouReward(completion, sample, undefined, ctx) ?? 0) >= threshold ? 1 : 0;
  }
  if (normaliseAnswer(answer) === normaliseAnswer(solution)) return 1;
  const choice = solutionChoice(solution);
  if (choice) {
    const letter = answerChoice(answer);
    if (letter !== null) return letter === choice.letter ? 1 : 0;
    return choice.text !== "" && normaliseAnswer(answer) === choice.text ? 1 : 0;
  }
  if (LIST_START.test(solution.trim())) return setIou(listItems(solution), listItems(answer));
  const truth = parseNumber(solution);
  const given = parseNumber(answer);
  // Relative tolerance: a solution of 0 is matched only exactly (tolerance · 0 = 0).
  if (truth !== null && given !== null) return Math.abs(given - truth) <= tolerance * Math.abs(truth) ? 1 : 0;
  return 0;
}

/** A bad option value is a configuration error naming the option (the registry checks only types). */
function checkNonNegative(option: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`accuracy: option ${option} must be a finite number >= 0, got ${value}`);
  }
  return value;
}

/**
 * A choice solution: a capital A-E alone, in parentheses, or followed by ".", ")" or ":" and the option's
 * text ("B", "(B)", "B.", "B) a dog"). Capitals only, so that a solution "a" stays a word.
 */
const SOLUTION_CHOICE = /^\(?([A-E])(?:[.):]\s*([\s\S]*))?$/;

function solutionChoice(solution: string): { letter: string; text: string } | null {
  const m = SOLUTION_CHOICE.exec(solution.trim());
  return m ? { letter: m[1], text: normaliseAnswer(m[2] ?? "") } : null;
}

/** The answer opens with the letter: "B", "(B)", "B.", "B) dog", "B: dog", "B, since". */
const LEADING_CHOICE = /^\(?([A-E])(?:[.):,]|$)/;
/** "The answer is B", "answer: (C)", "Option D". One `\s*` per gap, so no two quantifiers share blanks. */
const NAMED_CHOICE =
  /(?:[Aa]nswer|ANSWER|[Oo]ption|OPTION|[Cc]hoice|CHOICE)(?:\s+is)?\s*(?::\s*)?\(?([A-E])(?![\p{L}\p{N}])/u;
/** "(C)" anywhere. */
const BRACKETED_CHOICE = /\(([A-E])\)/;

/**
 * The choice letter an answer names, tried in this order: a leading letter, a letter after
 * "answer"/"option"/"choice", a bracketed letter, the only capital A-E standing alone as a word ("I pick
 * C"); null when none of these finds one letter.
 */
export function answerChoice(answer: string): string | null {
  const text = answer.trim();
  const m = LEADING_CHOICE.exec(text) ?? NAMED_CHOICE.exec(text) ?? BRACKETED_CHOICE.exec(text);
  if (m) return m[1];
  const letters = new Set(text.split(/[^\p{L}\p{N}]+/u).filter((w) => /^[A-E]$/.test(w)));
  return letters.size === 1 ? [...letters][0] : null;
}

/** A list solution starts with an item number "(1)". */
const LIST_START = /^\(\s*\d+\s*\)/;
const LIST_MARKER = /\(\s*\d+\s*\)/;

/**
 * The normalised items of a list: split at the "(n)" markers when there are any, else at commas,
 * semicolons and line breaks (an answer "A, B" to a solution "(1) A (2) B"). Empty items are dropped.
 */
function listItems(text: string): Set<string> {
  const parts = LIST_MARKER.test(text) ? text.split(LIST_MARKER) : text.split(/[,;\n]/);
  return new Set(parts.map(normaliseAnswer).filter((item) => item !== ""));
}

/** |a ∩ b| / |a ∪ b|; 0 when both are empty (a list of nothing matches nothing). */
function setIou(a: Set<string>, b: Set<string>): number {
  let inter = 0;
  for (const item of a) if (b.has(item)) inter++;
  const union = a.size + b.size - inter;
  return union > 0 ? inter / union : 0;
}

export const accuracy: RewardDefinition<AccuracyOptions> = {
  name: "accuracy",
  fn: (completion, sample, options, ctx) => accuracyReward(completion, sample, options, ctx),
  defaults: { ...ACCURACY_DEFAULTS },
  range: "[0, 1]: {0, 1} except for list solutions (set IoU); 0 when there is no <answer>",
  doc: "box: IoU >= iou_threshold; else normalised exact match; choice letter: same letter; list " +
    "'(1) A (2) B': |S ∩ A| / |S ∪ A|; number s: |a - s| <= numeric_tolerance · |s|",
  source: "DeepSeek-R1 / VLM-R1 accuracy reward; list IoU after Qwen-VL GRPO",
};
