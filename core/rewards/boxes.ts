/**
 * Boxes in the forms models write them, read into one frame so that any two can be compared. Shared by
 * the iou reward (answers and solutions) and by the tool-use rewards' coordinate checks.
 *
 * The forms, found anywhere in a text, left to right:
 *   <click>x, y, w, h</click>                 corner and size (the verl grounding guide's form)
 *   {"bbox_2d": [x1, y1, x2, y2]}             Qwen2.5-VL's JSON (read as the list it holds)
 *   [x1, y1, x2, y2]                          two corners
 *   <|box_start|>(x1,y1),(x2,y2)<|box_end|>   Qwen-VL's special tokens, always 0-1000 of the image
 * A number is an optional sign, digits and an optional fraction ("12", "-3", "0.5", ".5", "7.");
 * exponents, "NaN" and "Infinity" are not numbers here, so such a box does not parse. Digits beyond
 * what a double holds ("1" followed by 400 zeros) do parse, to Infinity: users of boxes handle
 * non-finite coordinates (boxIou gives 0, bbox_validity counts the box invalid).
 *
 * Every regex here is linear: each alternative starts with a literal ("<click>", '"bbox_2d"', "[",
 * "<|box_start|>"), and number, blank and comma runs are disjoint character classes, so a failed attempt
 * backtracks at most over the run it is in, never across two.
 */
import type { Box } from "../data/sample.ts";

/**
 * How the plain numbers of a data set are meant: pixels of the image, 0-1000 of its width and height
 * (Qwen2-VL's convention), or 0-1 fractions of them.
 */
export type Coordinates = "pixels" | "norm1000" | "norm1";

export const COORDINATES: readonly Coordinates[] = ["pixels", "norm1000", "norm1"];

/** How a box was written. */
export type BoxForm = "click" | "bbox_2d" | "list" | "qwen";

/**
 * A box read from text, as [x1, y1, x2, y2]: in pixels, or in fractions of the image's width and height
 * when `normalised`. Corners are kept as written: x2 < x1 stays (a box of no area; boxIou gives it 0).
 */
export interface FoundBox {
  box: Box;
  form: BoxForm;
  normalised: boolean;
}

const NUMBER = String.raw`[-+]?(?:\d+(?:\.\d*)?|\.\d+)`;
const NUM = `(${NUMBER})`;
const COMMA = String.raw`\s*,\s*`;
const FOUR = `${NUM}${COMMA}${NUM}${COMMA}${NUM}${COMMA}${NUM}`;
const LIST = String.raw`\[\s*${FOUR}\s*\]`;
const POINT = String.raw`\(\s*${NUM}${COMMA}${NUM}\s*\)`;

/** The four forms as one alternation; capture groups 1-4 click, 5-8 bbox_2d, 9-12 list, 13-16 qwen. */
const BOX_FORMS = new RegExp(
  [
    String.raw`<click>\s*${FOUR}\s*</click>`,
    String.raw`"bbox_2d"\s*:\s*${LIST}`,
    LIST,
    String.raw`<\|box_start\|>\s*${POINT}${COMMA}${POINT}\s*<\|box_end\|>`,
  ].join("|"),
  "g",
);

const FORMS: readonly BoxForm[] = ["click", "bbox_2d", "list", "qwen"];

/** The divisor that turns a number in the convention into a fraction of the image; null for pixels. */
const SCALE: Readonly<Record<Coordinates, number | null>> = { pixels: null, norm1000: 1000, norm1: 1 };

/** Every box in `text`, in order. Click, bbox_2d and list numbers are read in `coordinates`. */
export function parseBoxes(text: string, coordinates: Coordinates): FoundBox[] {
  const found: FoundBox[] = [];
  for (const m of text.matchAll(BOX_FORMS)) {
    const k = FORMS.findIndex((_, i) => m[4 * i + 1] !== undefined);
    const [a, b, c, d] = [1, 2, 3, 4].map((j) => Number(m[4 * k + j]));
    const form = FORMS[k];
    // Qwen's box tokens are 0-1000 whatever the data set's convention for plain numbers.
    const scale = form === "qwen" ? 1000 : SCALE[coordinates];
    const corners: Box = form === "click" ? [a, b, a + c, b + d] : [a, b, c, d];
    found.push({
      box: scale === null ? corners : corners.map((v) => v / scale) as Box,
      form,
      normalised: scale !== null,
    });
  }
  return found;
}

const WHOLE_NUMBER = new RegExp(`^${NUMBER}$`);

/** `text`, trimmed, as a number of the grammar above; null when it is none ("", "NaN", "1e3", "0x10"). */
export function readNumber(text: string): number | null {
  const t = text.trim();
  return WHOLE_NUMBER.test(t) ? Number(t) : null;
}

/** The box in pixels: a normalised one scaled by the image's size; null when that size is unknown. */
export function inPixels(found: FoundBox, imageSize: readonly [number, number] | null): Box | null {
  if (!found.normalised) return found.box;
  if (imageSize === null) return null;
  const [w, h] = imageSize;
  const [x1, y1, x2, y2] = found.box;
  return [x1 * w, y1 * h, x2 * w, y2 * h];
}

/**
 * The image's size when it is usable (two finite numbers > 0), else null: a size of 0 or NaN would
 * turn every normalised box into zeros or NaNs, which is no better than not knowing it.
 */
export function knownSize(size: readonly [number, number] | null | undefined): [number, number] | null {
  if (!size) return null;
  const [w, h] = size;
  return Number.isFinite(w) && Number.isFinite(h) && w > 0 && h > 0 ? [w, h] : null;
}

/** The coordinates option checked: a value outside the three is a configuration error naming the reward. */
export function checkCoordinates(reward: string, value: string): Coordinates {
  if ((COORDINATES as readonly string[]).includes(value)) return value as Coordinates;
  throw new Error(
    `${reward}: option coordinates is "${value}"; it must be one of ${COORDINATES.join(", ")}`,
  );
}
