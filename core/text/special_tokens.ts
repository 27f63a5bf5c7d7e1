/**
 * The Qwen2-VL token ids the lab needs by name. They are looked up in the loaded tokenizer, never
 * hard-coded, so a different vocabulary fails loudly instead of silently using wrong ids.
 */
import type { Tokenizer } from "./types.ts";

/** The image placeholder that Qwen2-VL's chat template puts before the question. */
export const IMAGE_PLACEHOLDER = "<|vision_start|><|image_pad|><|vision_end|>";

export interface SpecialIds {
  /** <|im_start|>, opens every chat turn (151644 in Qwen). */
  imStart: number;
  /** <|im_end|>, closes a turn; the end-of-completion token (151645). */
  imEnd: number;
  /** <|endoftext|>, also the padding token (151643). */
  endOfText: number;
  pad: number;
  /** <|vision_start|> (151652), <|vision_end|> (151653) and <|image_pad|> (151655), one per merged patch. */
  visionStart: number;
  visionEnd: number;
  imagePad: number;
  /** <think> (151667) and </think> (151668). <answer> is not a single token ("<", "answer", ">"). */
  thinkOpen: number;
  thinkClose: number;
  /** <tool_call>, </tool_call>, <tool_response>, </tool_response>, for the multi-turn tool environment. */
  toolCallOpen: number;
  toolCallClose: number;
  toolResponseOpen: number;
  toolResponseClose: number;
  /** "\n" (198), which the chat template puts after every role name and <|im_end|>. */
  newline: number;
}

const TOKENS: Readonly<Record<keyof SpecialIds, string>> = {
  imStart: "<|im_start|>",
  imEnd: "<|im_end|>",
  endOfText: "<|endoftext|>",
  pad: "<|endoftext|>",
  visionStart: "<|vision_start|>",
  visionEnd: "<|vision_end|>",
  imagePad: "<|image_pad|>",
  thinkOpen: "<think>",
  thinkClose: "</think>",
  toolCallOpen: "<tool_call>",
  toolCallClose: "</tool_call>",
  toolResponseOpen: "<tool_response>",
  toolResponseClose: "</tool_response>",
  newline: "\n",
};

/** The id of `token`, which must encode to exactly one id. */
export function singleTokenId(tokenizer: Tokenizer, token: string): number {
  const ids = tokenizer.encode(token, { add_special_tokens: false });
  if (ids.length !== 1) {
    throw new Error(`token ${JSON.stringify(token)} is not a single token in this vocabulary (ids ${ids})`);
  }
  return ids[0];
}

export function lookupSpecialIds(tokenizer: Tokenizer): SpecialIds {
  const entries = Object.entries(TOKENS).map(([name, token]) => [name, singleTokenId(tokenizer, token)]);
  return Object.freeze(Object.fromEntries(entries)) as SpecialIds;
}
