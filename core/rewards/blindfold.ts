/**
 * blindfold (Vision-SR1's "blindfolded test"): pass 1, with the image, must give
 * <scan>what the image shows</scan><think>...</think><answer>...</answer>. Pass 2 asks the policy the
 * question again with only the scan text and no image. If the blind answer is right the scan carried
 * what the question needs: +correct (1.0); if wrong: +wrong (-0.5). Plus bonus (0.1) when pass 1 has
 * all three tags. A completion without a <scan> gets `wrong` without a second pass: nothing was carried.
 *
 * Range {wrong, wrong + bonus, correct, correct + bonus} = {-0.5, -0.4, 1.0, 1.1} by default.
 */
import { accuracyReward } from "./accuracy.ts";
import type { RewardContext, RewardDefinition, RewardSample } from "./types.ts";

const SCAN = /<scan>([\s\S]*?)<\/scan>/;
const HAS = (tag: string, text: string) => text.includes(`<${tag}>`) && text.includes(`</${tag}>`);

export type BlindfoldOptions = {
  correct: number;
  wrong: number;
  bonus: number;
  /** The pass-2 user turn; {scan} and {question} are replaced. */
  template: string;
};

export const BLINDFOLD_DEFAULTS: BlindfoldOptions = {
  correct: 1.0,
  wrong: -0.5,
  bonus: 0.1,
  template: "You cannot see the image. Its description: {scan}\n{question}\nAnswer inside <answer></answer>.",
};

/** The pass-2 prompt for a scan text and the sample's question. */
export function blindPrompt(template: string, scan: string, question: string): string {
  // One pass each, so that a "{question}" inside the scan text is not itself replaced.
  return template.replace(/\{scan\}|\{question\}/g, (m) => (m === "{scan}" ? scan : question));
}

export async function blindfoldReward(
  completion: string,
  sample: RewardSample,
  options: BlindfoldOptions,
  ctx: RewardContext,
): Promise<number> {
  const bonus = ["scan", "think", "answer"].every((tag) => HAS(tag, completion)) ? options.bonus : 0;
  const scan = SCAN.exec(completion)?.[1].trim() ?? "";
  if (scan === "") return options.wrong + bonus;
  if (!ctx.generate) {
    throw new Error("blindfold needs the policy for its second pass; it runs only inside training");
  }
  const blind = await ctx.generate(blindPrompt(options.template, scan, sample.prompt));
  return (accuracyReward(blind, sample, undefined, ctx) === 1 ? options.correct : options.wrong) + bonus;
}

export const blindfold: RewardDefinition<BlindfoldOptions> = {
  name: "blindfold",
  fn: blindfoldReward,
  defaults: BLINDFOLD_DEFAULTS,
  range: "{wrong, wrong + bonus, correct, correct + bonus} = {-0.5, -0.4, 1.0, 1.1} by default",
  doc: "pass 2 answers from the <scan> text alone: correct if right, wrong if not; + bonus for " +
    "<scan>, <think> and <answer> all present",
  source: "Vision-SR1 (Visual-R1 on Tinker)",
  needsPolicy: true,
};
