/**
 * CPU port of Hugging Face Qwen2VLForConditionalGeneration.get_rope_index: the 3-D (t, h, w) position
 * ids of M-RoPE. Text tokens share one position on all three axes; the merged tokens of an image get
 * (t, h, w) grid positions offset by the text position before the image; text after an image continues
 * from (max so far) + 1. Padding positions (mask 0) get 1, as in HF.
 */
import type { Qwen2VLConfig } from "./config.ts";

/** An image's patch grid [t, h, w] in 14-pixel patches, as the image processor reports it. */
export type Grid = [number, number, number];

/** The special token ids and merge size get_rope_index needs. */
export interface RopeIndexOptions {
  imageTokenId: number;
  visionStartTokenId: number;
  spatialMergeSize: number;
}

/** The options of a model config. */
export function ropeIndexOptions(config: Qwen2VLConfig): RopeIndexOptions {
  return {
    imageTokenId: config.image_token_id,
    visionStartTokenId: config.vision_start_token_id,
    spatialMergeSize: config.vision_config.spatial_merge_size,
  };
}

export interface RopeIndex {
  /** [3][B][T]: axis (t, h, w), row, token. */
  positionIds: number[][][];
  /** [B]: while decoding, the next token's position on all three axes is (cache length + delta). */
  ropeDeltas: number[];
}

/**
 * inputIds: B rows of T REAL token ids (equal lengths; left padding allowed). imageGrids: the grids of
 * all images in the batch in order of appearance (row-major). attentionMask: B rows of T (1 real, 0 pad);
 * absent = all real. Errors when the images in the ids and the grids disagree.
 */
export function ropeIndex(
  inputIds: ArrayLike<number>[],
  imageGrids: Grid[],
  options: RopeIndexOptions,
  attentionMask?: ArrayLike<number>[],
): RopeIndex {
  const B = inputIds.length;
  const T = B > 0 ? inputIds[0].length : 0;
  const m = options.spatialMergeSize;
  const positionIds = [0, 1, 2].map(() => Array.from({ length: B }, () => new Array<number>(T).fill(1)));
  const ropeDeltas: number[] = [];
  let imageIndex = 0;
  for (let b = 0; b < B; b++) {
    const row = inputIds[b];
    if (row.length !== T) throw new Error(`ropeIndex: row ${b} has ${row.length} ids, row 0 has ${T}`);
    const mask = attentionMask?.[b];
    if (mask && mask.length !== T) {
      throw new Error(`ropeIndex: attention mask row ${b} length ${mask.length} != ${T}`);
    }
    // Real (unpadded) tokens of this row and their column indices.
    const cols: number[] = [];
    for (let j = 0; j < T; j++) if (!mask || mask[j] === 1) cols.push(j);
    const tokens = cols.map((j) => row[j]);
    let images = 0;
    for (let j = 0; j + 1 < tokens.length; j++) {
      if (tokens[j] === options.visionStartTokenId && tokens[j + 1] === options.imageTokenId) images++;
    }
    // pos[a][k] for the k-th real token.
    const pos: number[][] = [[], [], []];
    let next = 0; // max position so far + 1
    let st = 0;
    const pushText = (len: number) => {
      for (let k = 0; k < len; k++) for (let a = 0; a < 3; a++) pos[a].push(next + k);
      if (len > 0) next += len;
    };
    for (let n = 0; n < images; n++) {
      const ed = tokens.indexOf(options.imageTokenId, st);
      const grid = imageGrids[imageIndex++];
      if (!grid) {
        throw new Error(`ropeIndex: row ${b} has more images than the ${imageGrids.length} grids given`);
      }
      const [t, h, w] = grid;
      if (h % m !== 0 || w % m !== 0) {
        throw new Error(`ropeIndex: grid [${grid}] not divisible by merge size ${m}`);
      }
      const gh = h / m, gw = w / m;
      pushText(ed - st);
      const base = next;
      let maxPos = base - 1;
      for (let ti = 0; ti < t; ti++) {
        for (let hi = 0; hi < gh; hi++) {
          for (let wi = 0; wi < gw; wi++) {
            pos[0].push(base + ti);
            pos[1].push(base + hi);
            pos[2].push(base + wi);
            maxPos = Math.max(maxPos, base + ti, base + hi, base + wi);
          }
        }
      }
      next = maxPos + 1;
      st = ed + t * gh * gw;
      if (st > tokens.length) throw new Error(`ropeIndex: row ${b} ends inside image ${imageIndex - 1}`);
    }
    pushText(tokens.length - st);
    for (let k = 0; k < cols.length; k++) for (let a = 0; a < 3; a++) positionIds[a][b][cols[k]] = pos[a][k];
    // HF: max position + 1 - T (T includes padding); an empty row has max 0 by convention here.
    ropeDeltas.push((cols.length > 0 ? next - 1 : 0) + 1 - T);
  }
  if (imageIndex !== imageGrids.length) {
    throw new Error(`ropeIndex: ${imageGrids.length} grids given but the ids hold ${imageIndex} images`);
  }
  return { positionIds, ropeDeltas };
}

/**
 * Position ids [3][B][n] for n new tokens while decoding with a cache of `cacheLength` columns
 * (padding included): cacheLength + k + delta on all three axes, as HF's generate does.
 */
export function decodePositionIds(cacheLength: number, ropeDeltas: number[], n = 1): number[][][] {
  const row = (b: number) => Array.from({ length: n }, (_, k) => cacheLength + k + ropeDeltas[b]);
  return [0, 1, 2].map(() => ropeDeltas.map((_, b) => row(b)));
}
