/**
 * Shape scenes: a plain background with non-overlapping filled circles, squares and triangles in a few
 * flat colours. Every object's exact painted box and pixel count are recorded, so the tasks' ground
 * truth comes from what was drawn, not from the geometry that was asked for.
 */
import type { Rng } from "../random.ts";
import type { Box, RgbImage } from "./sample.ts";
import { createImage, drawCircle, drawSquare, drawTriangle, type Painted, type Rgb } from "./image.ts";

export const COLOURS = ["red", "green", "blue", "yellow"] as const;
export type Colour = typeof COLOURS[number];

/** Flat RGB values, far apart so that every pixel's colour is unambiguous. */
export const COLOUR_RGB: Readonly<Record<Colour, Rgb>> = {
  red: [220, 40, 40],
  green: [40, 170, 60],
  blue: [40, 80, 220],
  yellow: [235, 200, 30],
};

export const BACKGROUND: Rgb = [255, 255, 255];

export const SHAPES = ["circle", "square", "triangle"] as const;
export type ShapeKind = typeof SHAPES[number];

export const SIZES = ["small", "medium", "large"] as const;
export type Size = typeof SIZES[number];

/**
 * Half-extent r in pixels of a 112-pixel scene (a shape spans 2r). Chosen so that any large shape has
 * more pixels than any medium one: a large triangle (~2 * 13^2 = 338) beats a medium square (16^2 = 256).
 */
export const SIZE_RADIUS: Readonly<Record<Size, number>> = { small: 5, medium: 8, large: 13 };

const DRAW: Readonly<Record<ShapeKind, typeof drawCircle>> = {
  circle: drawCircle,
  square: drawSquare,
  triangle: drawTriangle,
};

/** What to draw; placement picks the position. */
export interface ShapeSpec {
  shape: ShapeKind;
  colour: Colour;
  size: Size;
  /** Overrides SIZE_RADIUS[size] * scale (in pixels of the scene), e.g. for a tiny object. */
  radius?: number;
}

/** A drawn shape: its spec, centre, radius and the exact box and pixel count painted. */
export interface PlacedShape extends ShapeSpec {
  cx: number;
  cy: number;
  r: number;
  box: Box;
  area: number;
}

export interface Scene {
  image: RgbImage;
  shapes: PlacedShape[];
}

export interface SceneOptions {
  /** Side of the square image in pixels. Default 112. */
  size?: number;
  /** Multiplies SIZE_RADIUS and the gap, for scenes rendered larger than 112. Default size / 112. */
  scale?: number;
  /** Empty pixels kept between two shapes' boxes (before scale). Default 3. */
  gap?: number;
  /**
   * Place each shape inside its own cell of a grid x grid layout (a random free cell, a random offset
   * that keeps the shape inside it) instead of anywhere. With grid = 4 at 112 px a cell is 28 px, the
   * area of one merged image token, so that each token sees at most one shape. Default: free placement.
   */
  grid?: number;
}

const MAX_TRIES = 2000;

function boxesApart(a: Box, b: Box, gap: number): boolean {
  return a[2] + gap <= b[0] || b[2] + gap <= a[0] || a[3] + gap <= b[1] || b[3] + gap <= a[1];
}

/**
 * Draws `specs` in order at random non-overlapping positions (rejection sampling of centres; boxes at
 * least `gap` pixels apart, so 8-connected blobs never touch). Throws if a shape does not fit.
 */
export function renderScene(rng: Rng, specs: readonly ShapeSpec[], options: SceneOptions = {}): Scene {
  const size = options.size ?? 112;
  const scale = options.scale ?? size / 112;
  const gap = Math.ceil((options.gap ?? 3) * scale);
  const image = createImage(size, size, BACKGROUND);
  const shapes: PlacedShape[] = new Array(specs.length);
  const radii = specs.map((spec) => spec.radius ?? Math.round(SIZE_RADIUS[spec.size] * scale));
  // Place the biggest shapes first: they are the hardest to fit. The returned order is the specs' order.
  const order = specs.map((_, i) => i).sort((a, b) => radii[b] - radii[a] || a - b);
  if (options.grid !== undefined) {
    return placeOnGrid(rng, specs, radii, order, { image, size, grid: options.grid });
  }
  const taken: Box[] = [];
  for (const k of order) {
    const spec = specs[k], r = radii[k];
    for (let t = 0; t < MAX_TRIES && !shapes[k]; t++) {
      const cx = rng.int(r + 1, size - r - 1), cy = rng.int(r + 1, size - r - 1);
      const box: Box = [cx - r, cy - r, cx + r, cy + r];
      if (taken.every((other) => boxesApart(other, box, gap))) {
        const painted: Painted = DRAW[spec.shape](image, cx, cy, r, COLOUR_RGB[spec.colour]);
        shapes[k] = { ...spec, cx, cy, r, box: painted.box, area: painted.area };
        taken.push(box);
      }
    }
    if (!shapes[k]) {
      throw new Error(`renderScene(): no room for a ${spec.size} ${spec.shape} after ${MAX_TRIES} tries`);
    }
  }
  return { image, shapes };
}

/** renderScene's grid layout: shapes in distinct cells, drawn in `order`, returned in the specs' order. */
function placeOnGrid(
  rng: Rng,
  specs: readonly ShapeSpec[],
  radii: readonly number[],
  order: readonly number[],
  at: { image: RgbImage; size: number; grid: number },
): Scene {
  const { image, size, grid } = at;
  const cell = Math.floor(size / grid);
  if (specs.length > grid * grid) {
    throw new Error(`renderScene(): ${specs.length} shapes do not fit a ${grid}x${grid} grid`);
  }
  const free = shuffle(rng, Array.from({ length: grid * grid }, (_, i) => i));
  const shapes: PlacedShape[] = new Array(specs.length);
  for (const k of order) {
    const spec = specs[k], r = radii[k];
    // One pixel of margin inside the cell on each side, so shapes in neighbouring cells never touch.
    if (2 * r + 2 > cell) {
      throw new Error(
        `renderScene(): a ${spec.size} ${spec.shape} (r = ${r}) does not fit a ${cell}-pixel cell`,
      );
    }
    const index = free.pop()!;
    const x0 = (index % grid) * cell, y0 = Math.floor(index / grid) * cell;
    const cx = x0 + rng.int(r + 1, cell - r - 1), cy = y0 + rng.int(r + 1, cell - r - 1);
    const painted: Painted = DRAW[spec.shape](image, cx, cy, r, COLOUR_RGB[spec.colour]);
    shapes[k] = { ...spec, cx, cy, r, box: painted.box, area: painted.area };
  }
  return { image, shapes };
}

/** A random spec with any field fixed by `fixed`. */
export function randomSpec(
  rng: Rng,
  fixed: Partial<ShapeSpec> = {},
  sizes: readonly Size[] = SIZES,
): ShapeSpec {
  return {
    shape: fixed.shape ?? rng.pick(SHAPES),
    colour: fixed.colour ?? rng.pick(COLOURS),
    size: fixed.size ?? rng.pick(sizes),
    ...(fixed.radius === undefined ? {} : { radius: fixed.radius }),
  };
}

/** Fisher-Yates shuffle in place, driven by `rng`. */
export function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** The centre of a box as integers, the point the reference texts quote. */
export function boxCentre(box: Box): [number, number] {
  return [Math.floor((box[0] + box[2]) / 2), Math.floor((box[1] + box[3]) / 2)];
}
