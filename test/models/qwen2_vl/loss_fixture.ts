/** A next-token cross-entropy loss over an image prompt, used by the gradient tests. */
import * as tf from "@tensorflow/tfjs";
import { type Grid, type Qwen2VLModel, ropeIndex, ropeIndexOptions } from "../../../models/qwen2_vl/mod.ts";
import { promptWithImage, randomPatches } from "./fixtures.ts";

/**
 * Returns loss(): mean over positions t of -log p(id[t+1] | id[..t]) for a batch of 2 rows (row 1 left
 * padded, pads excluded), the vision tower included. Inputs are built once and kept.
 */
export function makeLoss(model: Qwen2VLModel): { loss: () => tf.Scalar; dispose: () => void } {
  const rows = [promptWithImage([100, 101], 4, [102, 103, 104]), promptWithImage([], 4, [105, 106, 107])];
  const T = Math.max(...rows.map((r) => r.length));
  const ids = rows.map((r) => [...new Array<number>(T - r.length).fill(100), ...r]);
  const mask = rows.map((r) => [...new Array<number>(T - r.length).fill(0), ...r.map(() => 1)]);
  const grids: Grid[] = [[1, 4, 4], [1, 4, 4]];
  const { positionIds } = ropeIndex(ids, grids, ropeIndexOptions(model.config), mask);
  const local = ids.map((r) => [...model.toLocalIds(r)]);
  const V = model.config.vocab_size;
  // Targets [2, T-1] and their weights (1 where both the token and its target are real).
  const targets = local.map((r) => r.slice(1));
  const weights = mask.map((r) => r.slice(1).map((m, j) => m * r[j]));
  const count = weights.flat().reduce((a, b) => a + b, 0);
  const held = tf.tidy(() => ({
    inputIds: tf.keep(tf.tensor2d(local, undefined, "int32")),
    positionIds: tf.keep(tf.tensor3d(positionIds, undefined, "int32")),
    attentionMask: tf.keep(tf.tensor2d(mask, undefined, "int32")),
    patches: tf.keep(randomPatches(grids, 9)),
    targets: tf.keep(tf.oneHot(tf.tensor2d(targets, undefined, "int32"), V).cast("float32")),
    weights: tf.keep(tf.tensor2d(weights)),
  }));
  const loss = () =>
    tf.tidy(() => {
      const logits = model.forward({
        inputIds: held.inputIds,
        positionIds: held.positionIds,
        attentionMask: held.attentionMask,
        imageEmbeds: model.encodeImages(held.patches, grids),
      });
      const logp = tf.logSoftmax(logits.slice([0, 0, 0], [2, T - 1, V])); // [2, T-1, V]
      const nll = tf.neg(tf.sum(tf.mul(logp, held.targets), -1)); // [2, T-1]
      return tf.div(tf.sum(tf.mul(nll, held.weights)), count) as tf.Scalar;
    });
  return { loss, dispose: () => tf.dispose(Object.values(held)) };
}
