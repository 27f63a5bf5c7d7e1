/**
 * Growable key/value cache for incremental decoding. Per layer it holds keys and values after rotary,
 * [B, KV, T_cache, D] (kv heads only; grouped-query attention shares them). Appending concatenates,
 * keeps the new tensors (so a surrounding tf.tidy does not free them) and disposes the old ones.
 */
import * as tf from "@tensorflow/tfjs";

export class KVCache {
  readonly numLayers: number;
  #keys: (tf.Tensor4D | undefined)[];
  #values: (tf.Tensor4D | undefined)[];
  #length = 0;

  constructor(numLayers: number) {
    this.numLayers = numLayers;
    this.#keys = new Array(numLayers).fill(undefined);
    this.#values = new Array(numLayers).fill(undefined);
  }

  /** Columns held (padding included), i.e. T_cache; 0 when empty. */
  get length(): number {
    return this.#length;
  }

  /** Rows held, or undefined when empty. */
  get batchSize(): number | undefined {
    return this.#keys[0]?.shape[0];
  }

  /**
   * Appends layer `layer`'s new keys/values [B, KV, T_new, D] and returns the full ones
   * [B, KV, T_cache + T_new, D]. The last layer's append advances `length`.
   */
  append(layer: number, k: tf.Tensor4D, v: tf.Tensor4D): { k: tf.Tensor4D; v: tf.Tensor4D } {
    if (layer < 0 || layer >= this.numLayers) throw new Error(`KVCache: layer ${layer} out of range`);
    const oldK = this.#keys[layer], oldV = this.#values[layer];
    if (oldK && (oldK.shape[0] !== k.shape[0] || oldK.shape[2] !== this.#length)) {
      throw new Error(`KVCache: layer ${layer} holds [${oldK.shape}], cannot append [${k.shape}]`);
    }
    const newK = tf.keep(oldK ? tf.concat([oldK, k], 2) : k.clone());
    const newV = tf.keep(oldV ? tf.concat([oldV, v], 2) : v.clone());
    oldK?.dispose();
    oldV?.dispose();
    this.#keys[layer] = newK;
    this.#values[layer] = newV;
    if (layer === this.numLayers - 1) this.#length = newK.shape[2];
    return { k: newK, v: newV };
  }

  /** Frees every cached tensor; the cache is empty afterwards. */
  dispose(): void {
    for (const t of [...this.#keys, ...this.#values]) t?.dispose();
    this.#keys.fill(undefined);
    this.#values.fill(undefined);
    this.#length = 0;
  }
}
