/**
 * Qwen2-VL vision tower over the processor's flattened patches. Shapes (P patches, E = embed_dim,
 * nH heads of hd = E / nH, m = spatial_merge_size, H = LM width):
 *   patches [P, 1176] -> patch_embed (Conv3d weight as [E, 1176]) -> [P, E]
 *   depth x { x += proj(attn(rope2d(qkv(LN1 x)))) ; x += fc2(quickGelu(fc1(LN2 x))) }   [P, E]
 *   merger: ln_q [P, E] -> view [P/m^2, m^2 E] -> Linear -> GELU -> Linear -> [P/m^2, H]
 * Attention is restricted to the patches of one frame of one image (HF cu_seqlens).
 */
import * as tf from "@tensorflow/tfjs";
import { type Qwen2VLConfig, visionHeadDim } from "./config.ts";
import { applyRotary, gelu, layerNorm, linear, quickGelu } from "./layers.ts";
import type { Grid } from "./rope_index.ts";

/** Base of the 2-D vision rotary embedding (HF VisionRotaryEmbedding theta). */
const VISION_ROPE_THETA = 10000;

type Params = Map<string, tf.Tensor>;

/**
 * HF rot_pos_emb as cos/sin tables [P, hd]. Patches come in merge-window order (t, h/m, w/m, m, m);
 * patch (h, w) gets angles [h * f, w * f] for the hd/4 frequencies f = theta^(-2i/(hd/2)), repeated
 * twice (cat(emb, emb)) for rotate_half.
 */
export function visionRotaryTables(
  grids: Grid[],
  headDim: number,
  merge: number,
): { cos: Float32Array; sin: Float32Array } {
  const dim = headDim / 2;
  const invFreq = Array.from(
    { length: dim / 2 },
    (_, i) => Math.fround(1 / Math.pow(VISION_ROPE_THETA, (2 * i) / dim)),
  );
  const total = grids.reduce((s, [t, h, w]) => s + t * h * w, 0);
  const cos = new Float32Array(total * headDim);
  const sin = new Float32Array(total * headDim);
  let p = 0;
  for (const [t, h, w] of grids) {
    for (let ti = 0; ti < t; ti++) {
      for (let bh = 0; bh < h / merge; bh++) {
        for (let bw = 0; bw < w / merge; bw++) {
          for (let ih = 0; ih < merge; ih++) {
            for (let iw = 0; iw < merge; iw++) {
              const hp = bh * merge + ih, wp = bw * merge + iw;
              const row = p * headDim;
              for (let i = 0; i < invFreq.length; i++) {
                // float32 products, as HF computes them.
                const angles = [Math.fround(hp * invFreq[i]), Math.fround(wp * invFreq[i])];
                for (let a = 0; a < 2; a++) {
                  const j = a * invFreq.length + i;
                  cos[row + j] = cos[row + j + dim] = Math.cos(angles[a]);
                  sin[row + j] = sin[row + j + dim] = Math.sin(angles[a]);
                }
              }
              p++;
            }
          }
        }
      }
    }
  }
  return { cos, sin };
}

/**
 * Softmax attention inside segments. q/k/v [P, nH, hd]; segment lengths sum to P. Runs of equal-length
 * segments are batched: [S, L, nH, hd] -> [S, nH, L, hd] -> scores [S, nH, L, L] -> [S*L, nH*hd].
 */
function segmentAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, segments: number[]): tf.Tensor2D {
  const [P, nH, hd] = q.shape;
  const scale = 1 / Math.sqrt(hd);
  const outs: tf.Tensor[] = [];
  let start = 0;
  for (let i = 0; i < segments.length;) {
    const L = segments[i];
    let S = 0;
    while (i < segments.length && segments[i] === L) (S++, i++);
    const take = (x: tf.Tensor) =>
      x.slice([start, 0, 0], [S * L, nH, hd]).reshape([S, L, nH, hd]).transpose([0, 2, 1, 3]);
    const qs = take(q), ks = take(k), vs = take(v);
    const probs = tf.softmax(tf.mul(tf.matMul(qs, ks, false, true), scale)); // [S, nH, L, L]
    outs.push(tf.matMul(probs, vs).transpose([0, 2, 1, 3]).reshape([S * L, nH * hd]));
    start += S * L;
  }
  if (start !== P) throw new Error(`vision attention: segments cover ${start} of ${P} patches`);
  return (outs.length === 1 ? outs[0] : tf.concat(outs, 0)) as tf.Tensor2D;
}

/** One ViT block. x [P, E], cos/sin [P, 1, hd]. */
function visionBlock(
  x: tf.Tensor,
  params: Params,
  i: number,
  nH: number,
  cos: tf.Tensor,
  sin: tf.Tensor,
  segments: number[],
): tf.Tensor {
  const p = (n: string) => params.get(`visual.blocks.${i}.${n}`)!;
  const [P, E] = x.shape;
  const hd = E / nH;
  const h = layerNorm(x, p("norm1.weight"), p("norm1.bias"));
  // qkv [P, 3E] viewed as [P, 3, nH, hd] (HF reshape(seq, 3, heads, -1)).
  const qkv = linear(h, p("attn.qkv.weight"), p("attn.qkv.bias")).reshape([P, 3, nH, hd]);
  const [q, k, v] = tf.unstack(qkv, 1); // each [P, nH, hd]
  const attn = segmentAttention(applyRotary(q, cos, sin), applyRotary(k, cos, sin), v, segments);
  x = tf.add(x, linear(attn, p("attn.proj.weight"), p("attn.proj.bias")));
  const h2 = layerNorm(x, p("norm2.weight"), p("norm2.bias"));
  const mlp = linear(
    quickGelu(linear(h2, p("mlp.fc1.weight"), p("mlp.fc1.bias"))),
    p("mlp.fc2.weight"),
    p("mlp.fc2.bias"),
  );
  return tf.add(x, mlp);
}

/** patches [P, 1176] (merge-window order), grids in order -> merged features [P / m^2, H]. */
export function encodeImages(
  config: Qwen2VLConfig,
  params: Params,
  patches: tf.Tensor2D,
  grids: Grid[],
): tf.Tensor2D {
  const v = config.vision_config;
  const m = v.spatial_merge_size;
  const [P, inDim] = patches.shape;
  const E = v.embed_dim;
  const expectedP = grids.reduce((s, [t, h, w]) => s + t * h * w, 0);
  if (P !== expectedP) {
    throw new Error(
      `encodeImages: ${P} patch rows but the grids [${grids.map((g) => `[${g}]`)}] give ${expectedP}`,
    );
  }
  for (const g of grids) {
    if (g[1] % m !== 0 || g[2] % m !== 0) {
      throw new Error(`encodeImages: grid [${g}] is not divisible by merge size ${m}`);
    }
  }
  const w = params.get("visual.patch_embed.proj.weight")!;
  if (w.size / E !== inDim) {
    throw new Error(`encodeImages: patches have ${inDim} columns, the patch embedding expects ${w.size / E}`);
  }
  const hd = visionHeadDim(config);
  const tables = visionRotaryTables(grids, hd, m);
  return tf.tidy(() => {
    // Conv3d with kernel = stride = patch is a matMul: [P, 1176] x [1176, E].
    let x: tf.Tensor = tf.matMul(patches, w.reshape([E, inDim]), false, true);
    const cos = tf.tensor3d(tables.cos, [P, 1, hd]);
    const sin = tf.tensor3d(tables.sin, [P, 1, hd]);
    const segments = grids.flatMap(([t, h, ww]) => new Array<number>(t).fill(h * ww));
    for (let i = 0; i < v.depth; i++) x = visionBlock(x, params, i, v.num_heads, cos, sin, segments);
    const p = (n: string) => params.get(`visual.merger.${n}`)!;
    const merged = layerNorm(x, p("ln_q.weight"), p("ln_q.bias")).reshape([P / (m * m), E * m * m]);
    return linear(
      gelu(linear(merged, p("mlp.0.weight"), p("mlp.0.bias"))),
      p("mlp.2.weight"),
      p("mlp.2.bias"),
    ) as tf.Tensor2D;
  });
}
