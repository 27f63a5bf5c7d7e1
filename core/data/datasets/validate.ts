/**
 * Checking a data set before it is trained on: every record's image read and decoded, its prompt
 * tokenized with the real tokenizer through the chat template, its vision tokens counted, against the
 * run's limits. `data check` prints the result; training refuses a data set with problems unless
 * skip_invalid=true, which trains on the valid records and says how many it skipped and why.
 */
import type { TextPipeline } from "../../text/pipeline.ts";
import { imageTokenCount } from "../../text/image_inputs.ts";
import type { DataSource } from "./source.ts";
import type { Problem } from "./types.ts";
import { DEFAULT_MAX_PIXELS, DEFAULT_MIN_PIXELS, qwenVisionTokens } from "./vision_tokens.ts";

export interface CheckLimits {
  /** The side the lab resizes every image to (config image_size). */
  imageSize: number;
  /** Prompt tokens allowed, image tokens included; 0 = no limit. */
  maxPromptLength: number;
  /** Tokens a completion may have (config max_completion_length); references over it are counted. */
  maxCompletionLength: number;
  /** The Qwen2-VL processor's pixel limits, for the native vision-token count. */
  minPixels?: number;
  maxPixels?: number;
}

/** min / median / max of a list; zeros when it is empty. */
export interface Spread {
  min: number;
  median: number;
  max: number;
}

export interface CheckReport {
  format: string;
  source: string;
  /** Lines or rows seen, blank lines skipped. */
  total: number;
  blank: number;
  /** Indices (into source.records) of the records that passed every check. */
  valid: number[];
  problems: Problem[];
  images: { read: number; width: Spread; height: Spread };
  promptTokens: Spread;
  referenceTokens: Spread;
  /** Vision tokens per image as the lab feeds it (image_size) and as Qwen2-VL's processor would. */
  visionTokens: { lab: number; native: Spread; minPixels: number; maxPixels: number };
  /** Records whose reference is longer than max_completion_length tokens (not an error for GRPO). */
  longReferences: number;
  /** Records with text before `<image>`: the chat template puts the image first all the same. */
  imageMoved: number;
  limits: CheckLimits;
}

export function spread(xs: readonly number[]): Spread {
  if (xs.length === 0) return { min: 0, median: 0, max: 0 };
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor((s.length - 1) / 2)], max: s[s.length - 1] };
}

/** Token pieces of ids the model cannot read, quoted, at most `max` of them. */
function unknownPieces(text: TextPipeline, ids: number[], known: ReadonlySet<number>, max = 5): string[] {
  const missing = [...new Set(ids.filter((id) => !known.has(id)))];
  return missing.slice(0, max).map((id) => JSON.stringify(text.decode([id])));
}

export interface CheckOptions {
  limits: CheckLimits;
  /** The model's token ids (a small model's vocab_ids); text outside them is a problem. */
  knownIds?: ReadonlySet<number>;
  onProgress?: (done: number, total: number) => void;
}

/** Checks every record of `source`; the parse problems of its file come first, in file order. */
export async function checkDataset(
  source: DataSource,
  text: TextPipeline,
  options: CheckOptions,
): Promise<CheckReport> {
  const { limits, knownIds } = options;
  const minPixels = limits.minPixels ?? DEFAULT_MIN_PIXELS;
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  const labTokens = imageTokenCount(limits.imageSize);
  const problems: Problem[] = [...source.parsed.problems];
  const valid: number[] = [];
  const widths: number[] = [], heights: number[] = [], native: number[] = [];
  const promptLengths: number[] = [], referenceLengths: number[] = [];
  let longReferences = 0;
  const records = source.records;
  for (const [i, record] of records.entries()) {
    const own: Problem[] = [];
    // The prompt as the model reads it: chat template, the image placeholder expanded to labTokens.
    const promptIds = text.encode(text.renderPrompt(record.prompt));
    const promptLength = promptIds.length - 1 + labTokens;
    const referenceIds = text.encodeCompletion(record.reference, { end: true });
    promptLengths.push(promptLength);
    referenceLengths.push(referenceIds.length);
    if (referenceIds.length > limits.maxCompletionLength) longReferences++;
    if (limits.maxPromptLength > 0 && promptLength > limits.maxPromptLength) {
      own.push({
        where: record.where,
        at: record.at,
        kind: "length",
        message: `prompt is ${promptLength} tokens (${labTokens} of them the image), over ` +
          `max_prompt_length=${limits.maxPromptLength}`,
      });
    }
    if (knownIds) {
      for (const [part, ids] of [["prompt", promptIds], ["answer", referenceIds]] as const) {
        const pieces = unknownPieces(text, ids, knownIds);
        if (pieces.length > 0) {
          own.push({
            where: record.where,
            at: record.at,
            kind: "vocabulary",
            message: `the ${part} has tokens the model's vocabulary lacks (${pieces.join(", ")}); this ` +
              `model knows only the synthetic tasks' words`,
          });
        }
      }
    }
    try {
      const image = await source.image(record);
      widths.push(image.width);
      heights.push(image.height);
      native.push(qwenVisionTokens(image.width, image.height, minPixels, maxPixels));
    } catch (e) {
      const message = (e as Error).message.replace(`${record.where}: `, "");
      own.push({ where: record.where, at: record.at, kind: "image", message });
    }
    problems.push(...own);
    if (own.length === 0) valid.push(i);
    options.onProgress?.(i + 1, records.length);
  }
  problems.sort((a, b) => a.at - b.at); // stable: a record's own problems keep their order
  return {
    format: source.parsed.format,
    source: source.parsed.source,
    total: source.parsed.total,
    blank: source.parsed.blank,
    valid,
    problems,
    images: { read: widths.length, width: spread(widths), height: spread(heights) },
    promptTokens: spread(promptLengths),
    referenceTokens: spread(referenceLengths),
    visionTokens: { lab: labTokens, native: spread(native), minPixels, maxPixels },
    longReferences,
    imageMoved: records.filter((r) => typeof r.meta.image_at === "number").length,
    limits,
  };
}

/** Problems counted by kind: "2 image, 1 json". */
export function problemCounts(problems: readonly Problem[]): string {
  const counts = new Map<string, number>();
  for (const p of problems) counts.set(p.kind, (counts.get(p.kind) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(", ");
}

/** The report as the lines `data check` prints; problems listed up to `maxProblems`. */
export function formatCheckReport(r: CheckReport, maxProblems = 50): string[] {
  const s = (x: Spread, unit = "") => `min ${x.min}${unit}, median ${x.median}${unit}, max ${x.max}${unit}`;
  const bad = r.total - r.valid.length;
  const lines = [
    `${r.source} (${r.format}): ${r.total} ${r.format.includes("JSONL") ? "lines" : "rows"}` +
    (r.blank > 0 ? ` (+${r.blank} blank)` : "") + `, ${r.valid.length} valid, ${bad} with problems`,
    `images: ${r.images.read} read; width ${s(r.images.width)}; height ${s(r.images.height)}`,
    `prompt tokens (chat template, image at image_size=${r.limits.imageSize} = ${r.visionTokens.lab} ` +
    `tokens): ${s(r.promptTokens)}; limit max_prompt_length=${r.limits.maxPromptLength || "none"}`,
    `answer tokens: ${s(r.referenceTokens)}; ${r.longReferences} over max_completion_length=` +
    `${r.limits.maxCompletionLength}`,
    `vision tokens per image: ${r.visionTokens.lab} as the lab feeds it (image_size=${r.limits.imageSize}); ` +
    `as Qwen2-VL's processor would at native size (min_pixels=${r.visionTokens.minPixels}, ` +
    `max_pixels=${r.visionTokens.maxPixels}): ${s(r.visionTokens.native)}`,
  ];
  if (r.imageMoved > 0) {
    lines.push(
      `note: ${r.imageMoved} prompts have text before <image>; the chat template puts the image first ` +
        "(the lab's models take the image at the start of the user turn)",
    );
  }
  if (r.problems.length > 0) {
    lines.push(`problems (${r.problems.length}: ${problemCounts(r.problems)}):`);
    for (const p of r.problems.slice(0, maxProblems)) lines.push(`  ${p.where}: ${p.message}`);
    if (r.problems.length > maxProblems) lines.push(`  ... and ${r.problems.length - maxProblems} more`);
  }
  return lines;
}
