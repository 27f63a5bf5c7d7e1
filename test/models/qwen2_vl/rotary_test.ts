import * as tf from "@tensorflow/tfjs";
import { assertAlmostEquals, assertEquals } from "../../assert.ts";
import { mropeCosSin, tiny, visionRotaryTables } from "../../../models/qwen2_vl/mod.ts";
import { VOCAB_IDS } from "./fixtures.ts";

await tf.setBackend("cpu");

Deno.test("visionRotaryTables() follows the 2x2 merge-window patch order with h then w frequencies", () => {
  // Grid [1, 2, 4], head_dim 24: 6 frequencies 10000^(-i/6) per axis. Patch order: window (0,0):
  // (0,0) (0,1) (1,0) (1,1); window (0,1): (0,2) (0,3) (1,2) (1,3).
  const { cos, sin } = visionRotaryTables([[1, 2, 4]], 24, 2);
  const f = (i: number) => 1 / Math.pow(10000, i / 6);
  const expectHW = [[0, 0], [0, 1], [1, 0], [1, 1], [0, 2], [0, 3], [1, 2], [1, 3]];
  for (const [p, [h, w]] of expectHW.entries()) {
    for (let i = 0; i < 6; i++) {
      for (const offset of [0, 12]) {
        assertAlmostEquals(cos[p * 24 + offset + i], Math.cos(h * f(i)), 1e-6);
        assertAlmostEquals(sin[p * 24 + offset + 6 + i], Math.sin(w * f(i)), 1e-6);
      }
    }
  }
});

Deno.test("mropeCosSin() takes frequencies 0-1 from t, 2-4 from h, 5-7 from w for mrope_section [2, 3, 3]", async () => {
  const config = tiny(VOCAB_IDS); // head_dim 16, theta 10000
  const inv = (f: number) => 1 / Math.pow(10000, (2 * f) / 16);
  const pos = tf.tensor3d([[[5]], [[7]], [[11]]], [3, 1, 1], "int32");
  const { cos, sin } = mropeCosSin(config, pos);
  assertEquals(cos.shape, [1, 1, 1, 16]);
  const c = await cos.data(), s = await sin.data();
  const axisPos = [5, 5, 7, 7, 7, 11, 11, 11];
  for (let f = 0; f < 8; f++) {
    for (const offset of [0, 8]) {
      assertAlmostEquals(c[f + offset], Math.cos(axisPos[f] * inv(f)), 1e-5);
      assertAlmostEquals(s[f + offset], Math.sin(axisPos[f] * inv(f)), 1e-5);
    }
  }
  tf.dispose([pos, cos, sin]);
});
