/** Small checks shared by the readers: each throws RowProblem naming the key and what it holds. */
import type { ImageRef } from "./types.ts";

export const IMAGE_TOKEN = "<image>";

/** Thrown inside a line's or row's checks; the reader turns it into a Problem of that line or row. */
export class RowProblem extends Error {
  constructor(message: string, readonly kind = "field") {
    super(message);
  }
}

export const typeName = (v: unknown) =>
  v === null
    ? "null"
    : v === undefined
    ? "nothing"
    : Array.isArray(v)
    ? "an array"
    : v instanceof Uint8Array
    ? "bytes"
    : typeof v === "object"
    ? "an object"
    : `a ${typeof v}`;

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array);
}

export function stringField(obj: Record<string, unknown>, key: string, label = key): string {
  const v = obj[key];
  if (typeof v !== "string") throw new RowProblem(`${label} must be a string, got ${typeName(v)}`);
  return v;
}

/**
 * The prompt without its one `<image>` (and the line break after it, as LLaVA writes "<image>\n").
 * imageAt > 0 when text came before the placeholder: the chat template still puts the image first.
 */
export function promptWithoutImage(text: string, label: string): { prompt: string; imageAt: number } {
  const n = text.split(IMAGE_TOKEN).length - 1;
  if (n !== 1) {
    throw new RowProblem(
      `${label} has ${n} ${IMAGE_TOKEN} placeholders; one is needed, where the image goes`,
    );
  }
  const at = text.indexOf(IMAGE_TOKEN);
  const after = text.slice(at + IMAGE_TOKEN.length).replace(/^\r?\n/, "");
  const prompt = (text.slice(0, at) + after).trim();
  if (prompt === "") throw new RowProblem(`${label} has no text besides ${IMAGE_TOKEN}`);
  return { prompt, imageAt: text.slice(0, at).trim() === "" ? 0 : at };
}

/**
 * A Hugging Face datasets image cell: {bytes, path} (bytes win when both are set), raw bytes, or a path.
 * `label` names the column in messages, `name` names the image when it has no path.
 */
export function imageCell(v: unknown, label: string, name: string): ImageRef {
  if (v instanceof Uint8Array) return { kind: "bytes", bytes: v, name };
  if (typeof v === "string" && v !== "") return { kind: "path", path: v };
  if (isObject(v)) {
    const { bytes, path } = v;
    if (bytes instanceof Uint8Array && bytes.length > 0) {
      return { kind: "bytes", bytes, name: typeof path === "string" && path !== "" ? path : name };
    }
    if (typeof path === "string" && path !== "") return { kind: "path", path };
    throw new RowProblem(`${label} has neither bytes nor a path`, "image");
  }
  throw new RowProblem(`${label} must be {bytes, path}, bytes or a path, got ${typeName(v)}`);
}

/** One image from a column that holds an image or a list of them; more than one is refused. */
export function singleImage(v: unknown, label: string, name: string): ImageRef {
  if (!Array.isArray(v)) return imageCell(v, label, name);
  if (v.length !== 1) {
    throw new RowProblem(
      v.length === 0
        ? `${label} is empty: every sample needs one image`
        : `${label} holds ${v.length} images: the lab's models read one image per sample`,
    );
  }
  return imageCell(v[0], `${label}[0]`, name);
}
