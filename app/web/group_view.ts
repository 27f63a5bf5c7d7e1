/**
 * The pure part of the group browser: the sample behind a logged prompt id (synthetic samples are
 * deterministic, so the page rebuilds the image instead of shipping pixels from the worker), the
 * completion split into tag and text runs for highlighting, and the boxes a completion predicts.
 */
import { makeSample } from "../../core/data/registry.ts";
import type { Box, Sample } from "../../core/data/sample.ts";
import { extractAnswer } from "../../core/rewards/answer.ts";
import { parseBoxes } from "../../core/rewards/boxes.ts";

/** "count-42-3" -> makeSample("count", 42, 3); null when the id is no synthetic sample's. */
export function sampleFromId(id: string): Sample | null {
  const m = /^([a-z_]+)-(\d+)-(\d+)$/.exec(id);
  if (!m) return null;
  try {
    const sample = makeSample(m[1], Number(m[2]), Number(m[3]));
    return sample.id === id ? sample : null;
  } catch {
    return null; // an unknown task name: not a synthetic sample
  }
}

/** A run of completion text; `tag` names the tag it is (the tag's own text) or the tag it sits in. */
export interface Segment {
  text: string;
  kind: "tag" | "text";
  /** For a tag: its name ("think", "/think", "|im_end|"); for text: the innermost open tag or "". */
  tag: string;
}

const TAG = /<(\/?[a-z_]+|\|[a-z_]+\|)>/g;

/** Splits a completion into tags and the text between them, each text run labelled with its open tag. */
export function tagSegments(completion: string): Segment[] {
  const out: Segment[] = [];
  const open: string[] = [];
  let last = 0;
  const text = (end: number) => {
    if (end > last) out.push({ text: completion.slice(last, end), kind: "text", tag: open.at(-1) ?? "" });
  };
  for (const m of completion.matchAll(TAG)) {
    text(m.index);
    const name = m[1];
    out.push({ text: m[0], kind: "tag", tag: name });
    if (name.startsWith("/")) {
      const i = open.lastIndexOf(name.slice(1));
      if (i >= 0) open.splice(i);
    } else if (!name.startsWith("|")) {
      open.push(name);
    }
    last = m.index + m[0].length;
  }
  text(completion.length);
  return out;
}

/** The boxes a completion gives in its <answer> (pixels of the sample's image); [] when none. */
export function predictedBoxes(completion: string): Box[] {
  const answer = extractAnswer(completion);
  if (answer === null) return [];
  return parseBoxes(answer, "pixels").map((f) => f.box);
}

/** The ground-truth box of a grounding sample, or null. */
export function truthBox(sample: Sample): Box | null {
  const box = sample.meta.box;
  return Array.isArray(box) && box.length === 4 && box.every((v) => typeof v === "number")
    ? box as Box
    : null;
}

/** An advantage's colour class: "pos" above 0, "neg" below, "zero" at 0. */
export function signClass(advantage: number): "pos" | "neg" | "zero" {
  return advantage > 0 ? "pos" : advantage < 0 ? "neg" : "zero";
}

/** RGB bytes -> RGBA bytes, for ImageData. */
export function rgbaOf(pixels: Uint8Array): Uint8ClampedArray<ArrayBuffer> {
  const n = pixels.length / 3;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    out[4 * i] = pixels[3 * i];
    out[4 * i + 1] = pixels[3 * i + 1];
    out[4 * i + 2] = pixels[3 * i + 2];
    out[4 * i + 3] = 255;
  }
  return out;
}
