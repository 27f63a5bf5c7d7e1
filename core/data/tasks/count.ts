/** count: "How many red circles are there?", with distractors that share the colour or the shape. */
import type { Rng } from "../../random.ts";
import { formatCompletion, formatPoint, listAnd, plural } from "../phrases.ts";
import type { Sample } from "../sample.ts";
import {
  boxCentre,
  type Colour,
  COLOURS,
  randomSpec,
  renderScene,
  type ShapeKind,
  SHAPES,
} from "../scene.ts";
import type { ShapeSpec } from "../scene.ts";
import type { Task } from "../task.ts";

/** Answers range over 0..MAX_COUNT. */
export const MAX_COUNT = 4;
/** At most this many shapes in a scene, targets and distractors together. */
export const MAX_SHAPES = 7;
const SIZES = ["small", "medium"] as const;
const IMAGE_SIZE = 112;

function question(colour: Colour, shape: ShapeKind): string {
  return `How many ${colour} ${plural(shape, 2)} are there?`;
}

/** `points` are the targets' centres in reading order; `others` counts the non-matching shapes. */
function reasoning(colour: Colour, shape: ShapeKind, points: [number, number][], others: number): string {
  const k = points.length;
  const seen = k === 0
    ? `I see no ${colour} ${plural(shape, 2)}.`
    : `I see ${k} ${colour} ${plural(shape, k)}, at ${listAnd(points.map(formatPoint))}.`;
  const rest = others === 0
    ? "There are no other shapes."
    : others === 1
    ? "The other shape does not match."
    : `The other ${others} shapes do not match.`;
  return `${seen} ${rest}`;
}

/** A distractor: same colour other shape, same shape other colour, or neither, a third of the time each. */
function distractor(rng: Rng, colour: Colour, shape: ShapeKind): ShapeSpec {
  const otherColour = () => rng.pick(COLOURS.filter((c) => c !== colour));
  const otherShape = () => rng.pick(SHAPES.filter((s) => s !== shape));
  const kind = rng.int(0, 2);
  const spec = kind === 0
    ? { colour, shape: otherShape() }
    : kind === 1
    ? { colour: otherColour(), shape }
    : { colour: otherColour(), shape: otherShape() };
  return randomSpec(rng, spec, SIZES);
}

export const countTask: Task = {
  name: "count",
  description: "Count the shapes of one colour and kind among distractors; the answer is a digit.",
  imageSize: IMAGE_SIZE,

  generate(rng: Rng, id: string): Sample {
    const colour = rng.pick(COLOURS), shape = rng.pick(SHAPES);
    const count = rng.int(0, MAX_COUNT);
    const distractors = rng.int(count === 0 ? 2 : 1, MAX_SHAPES - count);
    const specs = [
      ...Array.from({ length: count }, () => randomSpec(rng, { colour, shape }, SIZES)),
      ...Array.from({ length: distractors }, () => distractor(rng, colour, shape)),
    ];
    const scene = renderScene(rng, specs, { size: IMAGE_SIZE });
    const targets = scene.shapes.filter((s) => s.colour === colour && s.shape === shape);
    const points = targets.map((s) => boxCentre(s.box)).sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    const solution = String(targets.length);
    return {
      id,
      task: "count",
      image: scene.image,
      prompt: question(colour, shape),
      solution,
      reference: formatCompletion(reasoning(colour, shape, points, distractors), solution),
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
          for (let others = 0; others <= MAX_SHAPES; others++) {
            const points = Array.from({ length: k }, (): [number, number] => [12, 34]);
            completions.push(formatCompletion(reasoning(colour, shape, points, others), String(k)));
          }
        }
      }
    }
    return { prompts, completions, explanations: [] };
  },
};
