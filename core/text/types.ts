/** Transformers.js types the text pipeline passes around. */
import type { AutoImageProcessor, AutoTokenizer } from "@huggingface/transformers";

export type Tokenizer = Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
export type ImageProcessor = Awaited<ReturnType<typeof AutoImageProcessor.from_pretrained>>;

/** What the model reads for one prompt. */
export interface PromptInputs {
  /** Token ids of the rendered chat prompt; the image is <|vision_start|>, N x <|image_pad|>, <|vision_end|>. */
  inputIds: number[];
  /** Flattened patches [patchCount, 1176] (1176 = 3 channels x 2 frames x 14 x 14), normalised. */
  patches: Float32Array;
  patchCount: number;
  /** [t, h, w] in 14-pixel patches; N = t * h * w / 4 image tokens after the 2x2 merge. */
  gridThw: [number, number, number];
}
