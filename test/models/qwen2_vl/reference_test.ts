/**
 * Compares the model with an independent float64 numpy port of Hugging Face's Qwen2-VL
 * (reference/qwen2_vl_reference.py, which wrote reference/golden.json) on formula weights.
 */
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "../../assert.ts";
import {
  type Grid,
  parameterShapes,
  Qwen2VLModel,
  ropeIndex,
  ropeIndexOptions,
  tiny,
} from "../../../models/qwen2_vl/mod.ts";
import { maxAbsDiff, VOCAB_IDS } from "./fixtures.ts";

await tf.setBackend("cpu");

/**
 * float32 model vs float64 reference, max abs diff. The correct code lands near 1e-7 (embeds) and 5e-7
 * (logits of magnitude ~1). The image tolerance is tight because the vision rotary moves these
 * formula-weight features by only ~2e-5 (a wrong rotary theta gives 2.3e-5 and must fail).
 */
const EMBED_TOL = 1e-6;
const LOGIT_TOL = 1e-5;

interface Golden {
  ids: number[][];
  mask: number[][];
  grids: Grid[];
  position_ids: number[][][];
  rope_deltas: number[];
  image_embeds: number[];
  logits: number[];
}

const golden: Golden = JSON.parse(
  await Deno.readTextFile(new URL("./reference/golden.json", import.meta.url)),
);

/** The reference script's weight formula: a sine over the flat index, phase from the name's char codes. */
function formula(name: string, shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  let k = 0;
  for (const ch of name) k += ch.charCodeAt(0);
  k %= 997;
  const isNorm = /(norm1|norm2|ln_q|layernorm|model\.norm)\.weight$/.test(name);
  const [scale, offset] = name.endsWith(".bias") ? [0.02, 0] : isNorm ? [0.1, 1] : [0.08, 0];
  return Float32Array.from({ length: n }, (_, j) => offset + scale * Math.sin(j * 0.7311 + k * 1.37));
}

Deno.test("forward() and encodeImages() match the numpy Hugging Face port on a padded batch with images", async () => {
  const config = tiny(VOCAB_IDS);
  const arrays = new Map(
    [...parameterShapes(config)].map(([n, s]) => [n, { shape: s, data: formula(n, s) }]),
  );
  const model = Qwen2VLModel.fromTensors(config, arrays);
  const { positionIds, ropeDeltas } = ropeIndex(
    golden.ids,
    golden.grids,
    ropeIndexOptions(config),
    golden.mask,
  );
  assertEquals(positionIds, golden.position_ids);
  assertEquals(ropeDeltas, golden.rope_deltas);
  const P = golden.grids.reduce((s, [t, h, w]) => s + t * h * w, 0);
  const patches = tf.tensor2d(
    Float32Array.from({ length: P * 1176 }, (_, j) => 0.5 * Math.sin(j * 0.913 + 0.3)),
    [P, 1176],
  );
  const embeds = model.encodeImages(patches, golden.grids);
  const embedDiff = maxAbsDiff(await embeds.data(), golden.image_embeds);
  assert(embedDiff < EMBED_TOL, `image embeds: max abs diff ${embedDiff}`);
  const logits = tf.tidy(() =>
    model.forward({
      inputIds: tf.tensor2d(golden.ids.map((r) => [...model.toLocalIds(r)]), undefined, "int32"),
      positionIds: tf.tensor3d(positionIds, undefined, "int32"),
      attentionMask: tf.tensor2d(golden.mask, undefined, "int32"),
      imageEmbeds: embeds,
    })
  );
  const got = await logits.data();
  const [B, T, V] = logits.shape;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      if (golden.mask[b][t] === 0) continue; // padding queries are ignored by design
      const o = (b * T + t) * V;
      const diff = maxAbsDiff(got.subarray(o, o + V), golden.logits.slice(o, o + V));
      assert(diff < LOGIT_TOL, `logits row ${b} token ${t}: max abs diff ${diff}`);
    }
  }
  tf.dispose([patches, embeds, logits]);
  model.dispose();
});
