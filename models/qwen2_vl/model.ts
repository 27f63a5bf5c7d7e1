/**
 * Qwen2VLModel: the parameters (HF names -> tf.Variable) and the forward passes. The vision tower is in
 * vision.ts, the decoder in decoder.ts; this class owns the id map, input checks and the KV cache hookup.
 */
import * as tf from "@tensorflow/tfjs";
import { type Qwen2VLConfig, validateConfig } from "./config.ts";
import { initKind, parameterShapes, shapeSize } from "./params.ts";
import { encodeImages } from "./vision.ts";
import { decode, embedTokens } from "./decoder.ts";
import { KVCache } from "./kv_cache.ts";
import type { Grid } from "./rope_index.ts";

/** Standard deviation of the normal init of weight matrices (HF initializer_range). */
export const INIT_STD = 0.02;

/** A host array with its shape, as read from a checkpoint. */
export interface NamedArray {
  shape: number[];
  data: Float32Array;
}

export interface ForwardInput {
  /** [B, T] LOCAL ids, int32. */
  inputIds: tf.Tensor2D;
  /** [3, B, T] int32: from ropeIndex, or cache length + delta while decoding. */
  positionIds: tf.Tensor3D;
  /** [B, T_cache + T]: 1 real, 0 pad (left padding for batched prompts). */
  attentionMask: tf.Tensor2D;
  /** [N_image_tokens_in_batch, hidden]; row order = order of the image tokens in inputIds (row-major). */
  imageEmbeds?: tf.Tensor2D;
  /** Appended to in place; its length is T_cache before the call and T_cache + T after. */
  cache?: KVCache;
  /**
   * The first of the T new positions whose logits are wanted (default 0: all). Only those go through
   * the LM head: a prefill that samples its next token needs T - 1, training needs the completion's.
   */
  headFrom?: number;
}

/**
 * What forward() does not check on webgpu (the image token count needs a synchronous read of the ids,
 * which Deno's webgpu cannot do); whoever runs the model there says it once (core's TrainerSession).
 */
export const UNCHECKED_IMAGE_COUNT =
  "Qwen2VLModel.forward: image token count not checked on webgpu (the ids are built on the host)";

export class Qwen2VLModel {
  readonly config: Qwen2VLConfig;
  readonly params: Map<string, tf.Variable>;
  readonly #toLocal: Map<number, number> | undefined;
  readonly #imageLocalId: number | undefined;

  private constructor(config: Qwen2VLConfig, params: Map<string, tf.Variable>) {
    this.config = config;
    this.params = params;
    if (config.vocab_ids) this.#toLocal = new Map(config.vocab_ids.map((id, i) => [id, i]));
    this.#imageLocalId = this.#toLocal ? this.#toLocal.get(config.image_token_id) : config.image_token_id;
  }

  /**
   * Deterministic init: normal(0, INIT_STD) matrices, norm scales 1, biases 0, drawn in parameter order
   * from `normal` (a seeded standard-normal stream, e.g. core's Rng.normal), so that the caller owns
   * the random numbers.
   */
  static init(config: Qwen2VLConfig, normal: () => number): Qwen2VLModel {
    validateConfig(config);
    const params = new Map<string, tf.Variable>();
    for (const [name, shape] of parameterShapes(config)) {
      const data = new Float32Array(shapeSize(shape));
      const kind = initKind(name);
      if (kind === "ones") data.fill(1);
      if (kind === "normal") { for (let i = 0; i < data.length; i++) data[i] = INIT_STD * normal(); }
      params.set(name, makeVariable(data, shape));
    }
    return new Qwen2VLModel(config, params);
  }

  /**
   * Builds from arrays read one at a time, in parameterShapes' order: `read(name, shape)` gives each
   * parameter's host array, which becomes a variable before the next is read, so the host holds one
   * tensor at a time (a streamed checkpoint). A wrong shape is an error naming the parameter.
   */
  static async fromTensorStream(
    config: Qwen2VLConfig,
    read: (name: string, shape: readonly number[]) => Promise<NamedArray>,
  ): Promise<Qwen2VLModel> {
    validateConfig(config);
    const params = new Map<string, tf.Variable>();
    try {
      for (const [name, shape] of parameterShapes(config)) {
        const t = await read(name, shape);
        checkShape(name, shape, t);
        params.set(name, makeVariable(t.data, shape));
      }
    } catch (e) {
      for (const v of params.values()) v.dispose();
      throw e;
    }
    return new Qwen2VLModel(config, params);
  }

  /** Builds from host arrays; every expected name must be present with its exact shape, and no other. */
  static fromTensors(config: Qwen2VLConfig, tensors: Map<string, NamedArray>): Qwen2VLModel {
    validateConfig(config);
    const shapes = parameterShapes(config);
    for (const name of tensors.keys()) {
      if (!shapes.has(name)) throw new Error(`fromTensors: unexpected parameter ${name} for this config`);
    }
    const params = new Map<string, tf.Variable>();
    try {
      for (const [name, shape] of shapes) {
        const t = tensors.get(name);
        if (!t) throw new Error(`fromTensors: parameter ${name} [${shape}] is missing`);
        checkShape(name, shape, t);
        params.set(name, makeVariable(t.data, shape));
      }
    } catch (e) {
      for (const v of params.values()) v.dispose();
      throw e;
    }
    return new Qwen2VLModel(config, params);
  }

  /** Real tokenizer ids -> local rows (through vocab_ids); an id outside the vocabulary is an error. */
  toLocalIds(realIds: ArrayLike<number>): Int32Array {
    const out = new Int32Array(realIds.length);
    for (let i = 0; i < realIds.length; i++) {
      const id = realIds[i];
      const local = this.#toLocal
        ? this.#toLocal.get(id)
        : (Number.isInteger(id) && id >= 0 && id < this.config.vocab_size ? id : undefined);
      if (local === undefined) throw new Error(`toLocalIds: token id ${id} is not in the model's vocabulary`);
      out[i] = local;
    }
    return out;
  }

  /** Local rows -> real tokenizer ids. */
  toRealIds(localIds: ArrayLike<number>): Int32Array {
    const out = new Int32Array(localIds.length);
    for (let i = 0; i < localIds.length; i++) {
      const local = localIds[i];
      if (!Number.isInteger(local) || local < 0 || local >= this.config.vocab_size) {
        throw new Error(`toRealIds: local id ${local} is outside [0, ${this.config.vocab_size})`);
      }
      out[i] = this.config.vocab_ids ? this.config.vocab_ids[local] : local;
    }
    return out;
  }

  /** Vision tower + merger: patches [P, 1176] in merge-window order, grids in order -> [P / 4, hidden]. */
  encodeImages(patches: tf.Tensor2D, grids: Grid[]): tf.Tensor2D {
    return encodeImages(this.config, this.params, patches, grids);
  }

  /**
   * Logits [B, T - headFrom, vocab_size] for the new tokens from position headFrom on (default all T);
   * appends their keys/values to input.cache if given.
   */
  forward(input: ForwardInput): tf.Tensor3D {
    const { inputIds, positionIds, attentionMask, imageEmbeds, cache, headFrom = 0 } = input;
    const [B, T] = inputIds.shape;
    if (!Number.isInteger(headFrom) || headFrom < 0 || headFrom >= T) {
      throw new Error(`forward: headFrom ${headFrom} must be an integer in [0, ${T})`);
    }
    const Tc = cache?.length ?? 0;
    if (inputIds.dtype !== "int32") throw new Error(`forward: inputIds must be int32, got ${inputIds.dtype}`);
    const ps = positionIds.shape;
    if (ps[0] !== 3 || ps[1] !== B || ps[2] !== T) {
      throw new Error(`forward: positionIds is [${ps}], expected [3, ${B}, ${T}]`);
    }
    const ms = attentionMask.shape;
    if (ms[0] !== B || ms[1] !== Tc + T) {
      throw new Error(
        `forward: attentionMask is [${ms}], expected [${B}, ${Tc + T}] (cache ${Tc} + new ${T})`,
      );
    }
    if (cache && cache.numLayers !== this.config.num_hidden_layers) {
      throw new Error(
        `forward: cache has ${cache.numLayers} layers, the model ${this.config.num_hidden_layers}`,
      );
    }
    if (cache && Tc > 0 && cache.batchSize !== B) {
      throw new Error(`forward: cache holds ${cache.batchSize} rows, inputIds ${B}`);
    }
    if (imageEmbeds) this.#checkImageCount(inputIds, imageEmbeds);
    return tf.tidy(() => {
      const x = embedTokens(this.params, inputIds, imageEmbeds, this.#imageLocalId);
      return decode(this.config, this.params, x, positionIds, attentionMask, cache, headFrom);
    });
  }

  /**
   * A model with variables of its own and the same weights: the run's frozen KL reference, made without
   * reading the checkpoint again. The copies share the weights' buffers (tfjs counts references) until
   * an optimizer assigns new values to this model's variables, which replaces them, never writes into them.
   */
  copy(): Qwen2VLModel {
    return new Qwen2VLModel(
      this.config,
      new Map([...this.params].map(([name, v]) => [name, tf.variable(v, true)])),
    );
  }

  /** A new empty cache for this model. */
  createCache(): KVCache {
    return new KVCache(this.config.num_hidden_layers);
  }

  /** All variables, or all but the vision tower's (names starting with "visual."). */
  trainableVariables(opts: { freezeVision?: boolean } = {}): tf.Variable[] {
    return [...this.params].filter(([name]) => !(opts.freezeVision && name.startsWith("visual."))).map((
      [, v],
    ) => v);
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
  }

  /**
   * The number of image tokens must equal imageEmbeds' rows. Counting needs the ids on the host: on cpu and
   * wasm that read is free; on webgpu a synchronous read is not possible under Deno, so there the check is
   * skipped (UNCHECKED_IMAGE_COUNT, said once by the caller), which built the ids on the host and is
   * responsible.
   */
  #checkImageCount(inputIds: tf.Tensor2D, imageEmbeds: tf.Tensor2D): void {
    if (imageEmbeds.shape[1] !== this.config.hidden_size) {
      throw new Error(
        `forward: imageEmbeds is [${imageEmbeds.shape}], expected [N, ${this.config.hidden_size}]`,
      );
    }
    // Skipped on webgpu: see UNCHECKED_IMAGE_COUNT.
    if (tf.getBackend() === "webgpu") return;
    const ids = inputIds.dataSync();
    let n = 0;
    for (let i = 0; i < ids.length; i++) if (ids[i] === this.#imageLocalId) n++;
    if (n !== imageEmbeds.shape[0]) {
      throw new Error(
        `forward: inputIds hold ${n} image tokens but imageEmbeds has ${imageEmbeds.shape[0]} rows`,
      );
    }
  }
}

function makeVariable(data: Float32Array, shape: number[]): tf.Variable {
  const t = tf.tensor(data, shape, "float32");
  const v = tf.variable(t, true);
  t.dispose(); // the variable shares t's data (ref-counted)
  return v;
}

/** A parameter's array must have exactly its config's shape. */
function checkShape(name: string, shape: readonly number[], t: NamedArray): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`fromTensors: parameter ${name} has shape [${t.shape}], expected [${shape}]`);
  }
  if (t.data.length !== shapeSize(shape)) {
    throw new Error(
      `fromTensors: parameter ${name} has ${t.data.length} values, shape [${shape}] needs ${
        shapeSize(shape)
      }`,
    );
  }
}
