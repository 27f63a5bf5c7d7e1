/** attribute: "What colour is the largest shape?"; one large shape among small and medium ones. */
import type { Rng } from "../../random.ts";
import { formatCompletion, formatPoint } from "../phrases.ts";
import type { Sample } from "../sample.ts";
import {
  boxCentre,
  type Colour,
  COLOURS,
  type PlacedShape,
  randomSpec,
  renderScene,
  type ShapeKind,
  SHAPES,
} from "../scene.ts";
import type { Task } from "../task.ts";

const IMAGE_SIZE = 112;
const QUESTION = "What colour is the largest shape?";

interface Evidence {
  colour: Colour;
  shape: ShapeKind;
  centre: [number, number];
  /** Widths in pixels of the largest and the second largest shape. */
  width: number;
  nextWidth: number;
  /** Number of shapes in the scene. */
  shapes: number;
}

function reasoning(e: Evidence): string {
  return `The largest shape is the ${e.shape} at ${formatPoint(e.centre)}, ${e.width} pixels across; ` +
    `the next largest is ${e.nextWidth} pixels across. It is ${e.colour}.`;
}

/** Several phrasings of why the answer is right, for an <explain> reward. */
function explanations(e: Evidence): string[] {
  return [
    `The largest shape is the ${e.colour} ${e.shape}.`,
    `The ${e.colour} ${e.shape} at ${
      formatPoint(e.centre)
    } is bigger than every other shape, so the answer is ${e.colour}.`,
    `Of the ${e.shapes} shapes, the biggest is a ${e.shape}, and it is ${e.colour}.`,
  ];
}

const width = (s: PlacedShape) => s.box[2] - s.box[0];

export const attributeTask: Task = {
  name: "attribute",
  description: "Name the colour of the largest shape; explanations give several phrasings of why.",
  imageSize: IMAGE_SIZE,

  generate(rng: Rng, id: string): Sample {
    const n = rng.int(3, 5);
    const specs = [
      randomSpec(rng, { size: "large" }),
      ...Array.from({ length: n - 1 }, () => randomSpec(rng, {}, ["small", "medium"])),
    ];
    const scene = renderScene(rng, specs, { size: IMAGE_SIZE });
    const bySize = [...scene.shapes].sort((a, b) => b.area - a.area);
    const [largest, next] = bySize;
    // SIZE_RADIUS makes the large shape strictly the biggest; say so loudly if that ever breaks.
    if (largest.area === next.area) throw new Error(`attribute: two shapes share the largest area in ${id}`);
    const e: Evidence = {
      colour: largest.colour,
      shape: largest.shape,
      centre: boxCentre(largest.box),
      width: width(largest),
      nextWidth: width(next),
      shapes: scene.shapes.length,
    };
    return {
      id,
      task: "attribute",
      image: scene.image,
      prompt: QUESTION,
      solution: largest.colour,
      reference: formatCompletion(reasoning(e), largest.colour),
      explanations: explanations(e),
      meta: {
        colour: largest.colour,
        shape: largest.shape,
        box: largest.box,
        area: largest.area,
        areas: scene.shapes.map((s) => ({ colour: s.colour, shape: s.shape, area: s.area })),
      },
    };
  },

  texts() {
    const completions = [], all = [];
    for (const colour of COLOURS) {
      for (const shape of SHAPES) {
        for (let shapes = 3; shapes <= 5; shapes++) {
          const e: Evidence = { colour, shape, centre: [12, 34], width: 26, nextWidth: 16, shapes };
          completions.push(formatCompletion(reasoning(e), colour));
          all.push(...explanations(e));
        }
      }
    }
    return { prompts: [QUESTION], completions, explanations: all };
  },
};
