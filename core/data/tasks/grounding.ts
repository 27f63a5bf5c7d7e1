/** grounding: "Give the bounding box of the blue square." -> "[x1, y1, x2, y2]" in image pixels. */
import type { Rng } from "../../random.ts";
import { formatBox, formatCompletion, formatPoint } from "../phrases.ts";
import type { Box, Sample } from "../sample.ts";
import {
  boxCentre,
  type Colour,
  COLOURS,
  randomSpec,
  renderScene,
  type ShapeKind,
  SHAPES,
} from "../scene.ts";
import type { Task } from "../task.ts";

const IMAGE_SIZE = 112;

function question(colour: Colour, shape: ShapeKind): string {
  return `Give the bounding box of the ${colour} ${shape}.`;
}

function reasoning(colour: Colour, shape: ShapeKind, box: Box): string {
  return `The ${colour} ${shape} is centred at ${formatPoint(boxCentre(box))} and is ` +
    `${box[2] - box[0]} pixels wide and ${box[3] - box[1]} pixels tall.`;
}

export const groundingTask: Task = {
  name: "grounding",
  description:
    "Give the box [x1, y1, x2, y2] (x2, y2 exclusive) of the one shape of a named colour and kind.",
  imageSize: IMAGE_SIZE,

  generate(rng: Rng, id: string): Sample {
    const colour = rng.pick(COLOURS), shape = rng.pick(SHAPES);
    const others = rng.int(1, 4);
    const specs = [randomSpec(rng, { colour, shape })];
    // Distractors never repeat the target's colour and kind together, so the target is unique.
    while (specs.length <= others) {
      const spec = randomSpec(rng, {}, ["small", "medium"]);
      if (spec.colour !== colour || spec.shape !== shape) specs.push(spec);
    }
    const scene = renderScene(rng, specs, { size: IMAGE_SIZE });
    const box = scene.shapes[0].box;
    return {
      id,
      task: "grounding",
      image: scene.image,
      prompt: question(colour, shape),
      solution: formatBox(box),
      reference: formatCompletion(reasoning(colour, shape, box), formatBox(box)),
      meta: { colour, shape, box, size: scene.shapes[0].size },
    };
  },

  texts() {
    const prompts = [], completions = [];
    const box: Box = [12, 34, 56, 78];
    for (const colour of COLOURS) {
      for (const shape of SHAPES) {
        prompts.push(question(colour, shape));
        completions.push(formatCompletion(reasoning(colour, shape, box), formatBox(box)));
      }
    }
    return { prompts, completions, explanations: [] };
  },
};
