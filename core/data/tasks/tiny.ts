/**
 * tiny: a 448x448 scene with one object about 8 pixels wide, so that at the model's 112x112 view it is
 * about 2 pixels: its colour shows, its shape does not. The question asks for the shape; meta keeps its
 * box at full resolution (for a Crop tool) and at the view size.
 */
import type { Rng } from "../../random.ts";
import { formatBox, formatCompletion } from "../phrases.ts";
import type { Box, Sample } from "../sample.ts";
import { type Colour, COLOURS, randomSpec, renderScene, type ShapeKind, SHAPES } from "../scene.ts";
import type { Task } from "../task.ts";

/** The rendered image's side. */
export const TINY_IMAGE_SIZE = 448;
/** The side the model is assumed to see; reference texts quote boxes at this size. */
export const TINY_VIEW_SIZE = 112;
/** The tiny object's half-extent at full resolution: 8 pixels wide, 2 at the view size. */
export const TINY_RADIUS = 4;

const EVIDENCE: Readonly<Record<ShapeKind, string>> = {
  circle: "a round edge and no corners",
  square: "four corners",
  triangle: "three corners",
};

function question(colour: Colour): string {
  return `What shape is the tiny ${colour} object?`;
}

function reasoning(colour: Colour, shape: ShapeKind, viewBox: Box): string {
  return `A tiny ${colour} object sits inside ${formatBox(viewBox)}, too small to make out at this size. ` +
    `Up close it has ${EVIDENCE[shape]}, so it is a ${shape}.`;
}

/** The smallest box at `to` pixels that covers `box` at `from` pixels. */
export function scaleBoxOut(box: Box, from: number, to: number): Box {
  const s = to / from;
  return [Math.floor(box[0] * s), Math.floor(box[1] * s), Math.ceil(box[2] * s), Math.ceil(box[3] * s)];
}

export const tinyTask: Task = {
  name: "tiny",
  description: "Name the shape of an object too small to see at the model's input size (needs a crop).",
  imageSize: TINY_IMAGE_SIZE,

  generate(rng: Rng, id: string): Sample {
    const colour = rng.pick(COLOURS), shape = rng.pick(SHAPES);
    const specs = [
      randomSpec(rng, { colour, shape, size: "small", radius: TINY_RADIUS }),
      ...Array.from({ length: rng.int(2, 4) }, () => randomSpec(rng, {}, ["small", "medium"])),
    ];
    const scene = renderScene(rng, specs, { size: TINY_IMAGE_SIZE });
    const box = scene.shapes[0].box;
    const viewBox = scaleBoxOut(box, TINY_IMAGE_SIZE, TINY_VIEW_SIZE);
    return {
      id,
      task: "tiny",
      image: scene.image,
      prompt: question(colour),
      solution: shape,
      reference: formatCompletion(reasoning(colour, shape, viewBox), shape),
      meta: { colour, shape, box, viewBox, viewSize: TINY_VIEW_SIZE },
    };
  },

  texts() {
    const prompts = [], completions = [];
    for (const colour of COLOURS) {
      prompts.push(question(colour));
      for (const shape of SHAPES) {
        completions.push(formatCompletion(reasoning(colour, shape, [12, 34, 56, 78]), shape));
      }
    }
    return { prompts, completions, explanations: [] };
  },
};
