/**
 * count: "How many red circles are there?" among distractors of the same shape in other colours, one
 * shape per cell of a 4x4 grid (at 112 px a cell is one merged image token).
 *
 * Why this simple: the tiny model (2 layers, width 64, frozen random vision) stayed at chance for
 * 800-4000 SFT steps on scenes placed anywhere with distractors sharing the colour or the shape. On these
 * scenes it reads the count after about 3000 steps (held-out accuracy 78 % after 7000).
 */
import type { Rng } from "../../random.ts";
import { formatCompletion, plural } from "../phrases.ts";
import type { Sample } from "../sample.ts";
import { type Colour, COLOURS, randomSpec, renderScene, type ShapeKind, SHAPES } from "../scene.ts";
import type { ShapeSpec } from "../scene.ts";
import type { Task } from "../task.ts";

/** Answers range over 0..MAX_COUNT. */
export const MAX_COUNT = 4;
/** At most this many shapes in a scene, targets and distractors together. */
export const MAX_SHAPES = 7;
const SIZES = ["medium", "large"] as const;
/** Cells per side of the scene's grid layout. */
const GRID = 4;
const IMAGE_SIZE = 112;

function question(colour: Colour, shape: ShapeKind): string {
  return `How many ${colour} ${plural(shape, 2)} are there?`;
}

/** The reasoning before the answer: what is looked for and how many were found. */
function reasoning(colour: Colour, shape: ShapeKind, k: number): string {
  return `I look for ${colour} ${plural(shape, 2)} and find ${k}.`;
}

/** A distractor: the same shape in another colour, so that colour alone decides what counts. */
function distractor(rng: Rng, colour: Colour, shape: ShapeKind): ShapeSpec {
  return randomSpec(rng, { colour: rng.pick(COLOURS.filter((c) => c !== colour)), shape }, SIZES);
}

export const countTask: Task = {
  name: "count",
  description:
    "Count the shapes of one colour among same-shaped distractors on a grid; the answer is a digit.",
  imageSize: IMAGE_SIZE,

  generate(rng: Rng, id: string): Sample {
    const colour = rng.pick(COLOURS), shape = rng.pick(SHAPES);
    const count = rng.int(0, MAX_COUNT);
    const distractors = rng.int(count === 0 ? 2 : 1, MAX_SHAPES - count);
    const specs = [
      ...Array.from({ length: count }, () => randomSpec(rng, { colour, shape }, SIZES)),
      ...Array.from({ length: distractors }, () => distractor(rng, colour, shape)),
    ];
    const scene = renderScene(rng, specs, { size: IMAGE_SIZE, grid: GRID });
    const targets = scene.shapes.filter((s) => s.colour === colour && s.shape === shape);
    const solution = String(targets.length);
    return {
      id,
      task: "count",
      image: scene.image,
      prompt: question(colour, shape),
      solution,
      reference: formatCompletion(reasoning(colour, shape, targets.length), solution),
      meta: {
        colour,
        shape,
        count: targets.length,
        boxes: targets.map((s) => s.box),
        shapes: scene.shapes.length,
      },
    };
  },

  texts() {
    const prompts = [], completions = [];
    for (const colour of COLOURS) {
      for (const shape of SHAPES) {
        prompts.push(question(colour, shape));
        for (let k = 0; k <= MAX_COUNT; k++) {
          completions.push(formatCompletion(reasoning(colour, shape, k), String(k)));
        }
      }
    }
    return { prompts, completions, explanations: [] };
  },
};
