import { assertEquals, assertThrows } from "../../assert.ts";
import { decodePositionIds, ropeIndex, ropeIndexOptions, tiny } from "../../../models/qwen2_vl/mod.ts";
import { IMAGE_PAD, promptWithImage, VISION_END, VISION_START, VOCAB_IDS } from "./fixtures.ts";

const opts = ropeIndexOptions(tiny(VOCAB_IDS));
const I = IMAGE_PAD, S = VISION_START, E = VISION_END;

Deno.test("ropeIndex() gives grid positions to image tokens and continues text from max + 1", () => {
  // Grid [1, 4, 4] -> 2 x 2 merged tokens. Text a b at 0 1, <vs> at 2, image base 3:
  // (t, h, w) = (3,3,3) (3,3,4) (3,4,3) (3,4,4); max 4, so <ve> at 5 and c at 6.
  const ids = [[100, 101, S, I, I, I, I, E, 102]];
  const { positionIds, ropeDeltas } = ropeIndex(ids, [[1, 4, 4]], opts);
  assertEquals(positionIds[0], [[0, 1, 2, 3, 3, 3, 3, 5, 6]]);
  assertEquals(positionIds[1], [[0, 1, 2, 3, 3, 4, 4, 5, 6]]);
  assertEquals(positionIds[2], [[0, 1, 2, 3, 4, 3, 4, 5, 6]]);
  assertEquals(ropeDeltas, [6 + 1 - 9]);
});

Deno.test("ropeIndex() handles left padding, several frames and a non-square grid across a batch", () => {
  // Row 0: two pads (position 1, as HF), a at 0, <vs> at 1, image [1,4,4] from base 2, <ve> at 4.
  // Row 1: <vs> at 0, image [2,4,6] -> t in {1,2}, h in {1,2}, w in {1,2,3} from base 1; max 3 -> <ve> at 4.
  const row0 = [0, 0, 0, 0, 0, 0, 0, 100, S, I, I, I, I, E];
  const row1 = promptWithImage([], 12, []);
  const mask0 = row0.map((_, j) => (j < 7 ? 0 : 1));
  const { positionIds, ropeDeltas } = ropeIndex([row0, row1], [[1, 4, 4], [2, 4, 6]], opts, [
    mask0,
    row1.map(() => 1),
  ]);
  assertEquals(positionIds[0][0], [1, 1, 1, 1, 1, 1, 1, 0, 1, 2, 2, 2, 2, 4]);
  assertEquals(positionIds[1][0], [1, 1, 1, 1, 1, 1, 1, 0, 1, 2, 2, 3, 3, 4]);
  assertEquals(positionIds[2][0], [1, 1, 1, 1, 1, 1, 1, 0, 1, 2, 3, 2, 3, 4]);
  assertEquals(positionIds[0][1], [0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 4]);
  assertEquals(positionIds[1][1], [0, 1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 4]);
  assertEquals(positionIds[2][1], [0, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 4]);
  assertEquals(ropeDeltas, [4 + 1 - 14, 4 + 1 - 14]);
});

Deno.test("ropeIndex() of a text-only row is arange, and decodePositionIds() continues it", () => {
  const { positionIds, ropeDeltas } = ropeIndex([[100, 101, 102]], [], opts);
  for (const axis of positionIds) assertEquals(axis, [[0, 1, 2]]);
  assertEquals(ropeDeltas, [0]);
  // With an image, positions after a 3-token prompt continue at cacheLength + delta.
  const ids = [100, S, I, I, I, I, E];
  const full = ropeIndex([[...ids, 101, 102]], [[1, 4, 4]], opts);
  const prompt = ropeIndex([ids], [[1, 4, 4]], opts);
  const next = decodePositionIds(ids.length, prompt.ropeDeltas, 2);
  for (let a = 0; a < 3; a++) assertEquals(next[a][0], full.positionIds[a][0].slice(ids.length));
});

Deno.test("ropeIndex() throws when grids and image tokens disagree", () => {
  const ids = [[S, I, I, I, I, E]];
  assertThrows(() => ropeIndex(ids, [], opts), Error, "more images than the 0 grids");
  assertThrows(() => ropeIndex(ids, [[1, 4, 4], [1, 4, 4]], opts), Error, "2 grids given but the ids hold 1");
  assertThrows(() => ropeIndex(ids, [[1, 4, 6]], opts), Error, "ends inside image");
});
