export type { ImageProcessor, PromptInputs, Tokenizer } from "./types.ts";
export * from "./special_tokens.ts";
export * from "./image_inputs.ts";
export * from "./pipeline.ts";
export * from "./vocabulary.ts";
