import { assert, assertEquals, assertThrows } from "../../assert.ts";
import { Rng } from "../../../core/random.ts";
import { renderScene, type ShapeSpec } from "../../../core/data/scene.ts";

const SPECS: ShapeSpec[] = [
  { shape: "circle", colour: "red", size: "large" },
  { shape: "square", colour: "blue", size: "medium" },
  { shape: "triangle", colour: "green", size: "medium" },
  { shape: "circle", colour: "yellow", size: "small" },
  { shape: "square", colour: "red", size: "large" },
];

Deno.test("renderScene() with grid 4 puts each shape inside its own 28-pixel cell of a 112 image", () => {
  for (let seed = 0; seed < 50; seed++) {
    const scene = renderScene(new Rng(seed), SPECS, { size: 112, grid: 4 });
    const cells = scene.shapes.map((s) => {
      const [x1, y1, x2, y2] = s.box;
      const cx = Math.floor(x1 / 28), cy = Math.floor(y1 / 28);
      // The painted box (x2, y2 exclusive) stays inside the cell, with a pixel to spare on each side.
      assert(x1 >= cx * 28 + 1 && x2 <= (cx + 1) * 28 - 1, `seed ${seed}: x ${x1}..${x2} leaves cell ${cx}`);
      assert(y1 >= cy * 28 + 1 && y2 <= (cy + 1) * 28 - 1, `seed ${seed}: y ${y1}..${y2} leaves cell ${cy}`);
      return cy * 4 + cx;
    });
    assertEquals(new Set(cells).size, SPECS.length, `seed ${seed}: two shapes share a cell`);
    assertEquals(scene.shapes.map((s) => s.colour), SPECS.map((s) => s.colour), "specs' order kept");
  }
});

Deno.test("renderScene() with a grid is deterministic by seed and refuses too many shapes", () => {
  const a = renderScene(new Rng(7), SPECS, { grid: 4 }), b = renderScene(new Rng(7), SPECS, { grid: 4 });
  assertEquals(a.image.pixels, b.image.pixels);
  const many = Array.from({ length: 5 }, () => SPECS[1]);
  const e = assertThrows(() => renderScene(new Rng(0), many, { grid: 2 }));
  assertEquals(e.message, "renderScene(): 5 shapes do not fit a 2x2 grid");
});
