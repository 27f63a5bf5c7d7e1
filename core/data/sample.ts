/** An RGB image as interleaved bytes, row-major: pixels[(y * width + x) * 3 + c]. */
export interface RgbImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** An axis-aligned box in pixels: [x1, y1, x2, y2], x2 and y2 exclusive. */
export type Box = [number, number, number, number];

/** One training or evaluation example: an image, a question and its ground truth. */
export interface Sample {
  /** Stable id, e.g. "count-42-3" (task, seed, index). */
  id: string;
  /** Task name, e.g. "count", "attribute", "grounding", "tiny". */
  task: string;
  image: RgbImage;
  /** The user's question, without the image placeholder. */
  prompt: string;
  /** Ground-truth answer as text, e.g. "3", "red", "[12, 30, 40, 58]". */
  solution: string;
  /** A reference completion: "<think>...</think><answer>...</answer>". */
  reference: string;
  /** Reference explanations ("<explain>...</explain>" bodies), where the task has them. */
  explanations?: string[];
  /** Task-specific ground truth (boxes, counts, colours). */
  meta: Record<string, unknown>;
}
