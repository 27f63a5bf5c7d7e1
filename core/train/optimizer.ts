/**
 * AdamW as torch.optim.AdamW (decoupled weight decay, bias-corrected moments, per-parameter step
 * counts), and global gradient-norm clipping as torch.nn.utils.clip_grad_norm_. Moments live in
 * non-trainable tf.Variables; every step runs inside tf.tidy, so a step leaves no tensors behind.
 */
import * as tf from "@tensorflow/tfjs";
import type { RunConfig } from "../config/mod.ts";

export interface AdamWOptions {
  /** β1: first-moment decay. */
  beta1: number;
  /** β2: second-moment decay. */
  beta2: number;
  /** ε: added to sqrt(v̂) so that a zero second moment does not divide by zero. */
  epsilon: number;
  /** λ: decoupled weight decay, p <- p (1 - η λ) before the Adam update. */
  weightDecay: number;
  /**
   * Which parameters get weight decay (by name); all by default, as torch with one parameter group. HF
   * Trainer leaves out biases and norm weights: pass a predicate for that.
   */
  decays?: (name: string) => boolean;
}

export function adamWOptions(
  c: Pick<RunConfig, "adam_beta1" | "adam_beta2" | "adam_epsilon" | "weight_decay">,
): AdamWOptions {
  return { beta1: c.adam_beta1, beta2: c.adam_beta2, epsilon: c.adam_epsilon, weightDecay: c.weight_decay };
}

/** Gradients keyed by parameter name or by the variable itself; tf.variableGrads' `grads` also fits. */
export type Grads = Map<string | tf.Variable, tf.Tensor> | tf.NamedTensorMap;

/** Optimizer state as named arrays ("<param>.exp_avg", "<param>.exp_avg_sq", "<param>.step"). */
export type OptimizerState = Record<string, { shape: number[]; data: Float32Array }>;

interface ParamState {
  param: tf.Variable;
  /** m: exponential average of gradients, same shape as param. */
  expAvg: tf.Variable;
  /** v: exponential average of squared gradients. */
  expAvgSq: tf.Variable;
  /** t: updates this parameter has had (torch keeps one per parameter). */
  step: number;
}

export class AdamW {
  readonly #options: AdamWOptions;
  readonly #states = new Map<string, ParamState>();
  /** tf.Variable.name -> our parameter name, for grads keyed by variable name. */
  readonly #byVariableName = new Map<string, string>();
  readonly #byVariable = new Map<tf.Variable, string>();

  /** `params`: a name -> variable map, or variables (named by `variable.name`). */
  constructor(params: Map<string, tf.Variable> | Iterable<tf.Variable>, options: AdamWOptions) {
    this.#options = options;
    const entries = params instanceof Map ? [...params] : [...params].map((v) => [v.name, v] as const);
    for (const [name, param] of entries) {
      if (this.#states.has(name)) throw new Error(`AdamW: parameter "${name}" given twice`);
      if (param.dtype !== "float32") {
        throw new Error(`AdamW: parameter "${name}" is ${param.dtype}, not float32`);
      }
      const expAvg = tf.tidy(() => tf.variable(tf.zerosLike(param), false));
      const expAvgSq = tf.tidy(() => tf.variable(tf.zerosLike(param), false));
      this.#states.set(name, { param, expAvg, expAvgSq, step: 0 });
      this.#byVariableName.set(param.name, name);
      this.#byVariable.set(param, name);
    }
  }

  get names(): string[] {
    return [...this.#states.keys()];
  }

  /** Updates this parameter has had (0 before its first gradient). */
  stepCount(name: string): number {
    return this.#state(name).step;
  }

  /**
   * One update with learning rate `lr`. Parameters without a gradient are left alone, as torch leaves
   * a parameter whose .grad is None. The gradients stay the caller's to dispose.
   */
  step(grads: Grads, lr: number): void {
    if (!(lr >= 0 && Number.isFinite(lr))) {
      throw new Error(`AdamW: learning rate ${lr} is not a finite number >= 0`);
    }
    const { beta1, beta2, epsilon, weightDecay } = this.#options;
    const entries: [string | tf.Variable, tf.Tensor][] = grads instanceof Map
      ? [...grads]
      : Object.entries(grads);
    for (const [key, grad] of entries) {
      const name = this.#resolve(key);
      const s = this.#state(name);
      if (!tf.util.arraysEqual(grad.shape, s.param.shape)) {
        throw new Error(
          `AdamW: gradient for "${name}" has shape [${grad.shape}], parameter [${s.param.shape}]`,
        );
      }
      s.step += 1;
      const biasCorrection1 = 1 - beta1 ** s.step;
      const biasCorrection2 = 1 - beta2 ** s.step;
      const decay = weightDecay > 0 && (this.#options.decays?.(name) ?? true);
      tf.tidy(() => {
        const g = tf.cast(grad, "float32");
        const m = tf.add(tf.mul(s.expAvg, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(s.expAvgSq, beta2), tf.mul(tf.square(g), 1 - beta2));
        const decayed = decay ? tf.mul(s.param, 1 - lr * weightDecay) : s.param;
        // torch: denom = sqrt(v) / sqrt(bc2) + ε; p -= (η / bc1) m / denom.
        const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(biasCorrection2)), epsilon);
        const update = tf.mul(tf.div(m, denom), lr / biasCorrection1);
        s.expAvg.assign(m);
        s.expAvgSq.assign(v);
        s.param.assign(tf.sub(decayed, update));
      });
    }
  }

  /** Moments and step counts as named Float32Arrays, for a checkpoint. */
  async exportState(): Promise<OptimizerState> {
    const out: OptimizerState = {};
    for (const [name, s] of this.#states) {
      out[`${name}.exp_avg`] = {
        shape: [...s.param.shape],
        data: (await s.expAvg.data() as Float32Array).slice(),
      };
      out[`${name}.exp_avg_sq`] = {
        shape: [...s.param.shape],
        data: (await s.expAvgSq.data() as Float32Array).slice(),
      };
      out[`${name}.step`] = { shape: [1], data: Float32Array.of(s.step) };
    }
    return out;
  }

  /** Restores what exportState wrote; every parameter's entries must be present with matching shapes. */
  importState(state: OptimizerState): void {
    for (const [name, s] of this.#states) {
      const get = (suffix: string, shape: number[]) => {
        const entry = state[`${name}.${suffix}`];
        if (!entry) throw new Error(`AdamW state: "${name}.${suffix}" is missing`);
        if (!tf.util.arraysEqual(entry.shape, shape)) {
          throw new Error(`AdamW state: "${name}.${suffix}" has shape [${entry.shape}], expected [${shape}]`);
        }
        return entry.data;
      };
      const shape = [...s.param.shape];
      const expAvg = get("exp_avg", shape);
      const expAvgSq = get("exp_avg_sq", shape);
      s.step = get("step", [1])[0];
      tf.tidy(() => {
        s.expAvg.assign(tf.tensor(expAvg, shape, "float32"));
        s.expAvgSq.assign(tf.tensor(expAvgSq, shape, "float32"));
      });
    }
  }

  /** Frees the moment variables (not the parameters). */
  dispose(): void {
    for (const s of this.#states.values()) {
      s.expAvg.dispose();
      s.expAvgSq.dispose();
    }
    this.#states.clear();
  }

  #resolve(key: string | tf.Variable): string {
    const name = typeof key === "string"
      ? (this.#states.has(key) ? key : this.#byVariableName.get(key))
      : this.#byVariable.get(key);
    if (name === undefined) {
      throw new Error(`AdamW: gradient for unknown parameter "${typeof key === "string" ? key : key.name}"`);
    }
    return name;
  }

  #state(name: string): ParamState {
    const s = this.#states.get(name);
    if (!s) throw new Error(`AdamW: unknown parameter "${name}"`);
    return s;
  }
}

/** Added to the norm before dividing, as torch, so that an all-zero gradient gives a finite coefficient. */
const CLIP_EPSILON = 1e-6;

/**
 * Scales all gradients by min(1, maxNorm / (‖g‖ + 1e-6)) where ‖g‖ is the L2 norm over all of them
 * together, as torch.nn.utils.clip_grad_norm_. maxNorm <= 0 means no clipping. Returns new tensors (the
 * inputs stay the caller's) and the pre-clip norm as a scalar tensor, so no GPU read is forced here. A
 * non-finite norm makes the gradients non-finite, as torch does with error_if_nonfinite=False.
 */
export function clipGradNorm<K>(
  grads: Map<K, tf.Tensor>,
  maxNorm: number,
): { grads: Map<K, tf.Tensor>; norm: tf.Scalar } {
  const keys = [...grads.keys()];
  const [norm, ...clipped] = tf.tidy(() => {
    const tensors = [...grads.values()];
    // ‖g‖² summed over every tensor; float32 as torch's default.
    const squares = tensors.map((g) => tf.sum(tf.square(tf.cast(g, "float32"))));
    // sum(stack), not addN: tfjs-backend-webgpu's AddN of 3+ scalars returns the first two's sum only.
    const total = tf.sqrt(squares.length > 0 ? tf.sum(tf.stack(squares)) : tf.scalar(0));
    if (!(maxNorm > 0)) return [total, ...tensors.map((g) => tf.cast(g, "float32"))];
    const coef = tf.minimum(tf.div(maxNorm, tf.add(total, CLIP_EPSILON)), 1);
    return [total, ...tensors.map((g) => tf.mul(tf.cast(g, "float32"), coef))];
  });
  return { grads: new Map(keys.map((k, i) => [k, clipped[i]])), norm: norm as tf.Scalar };
}

/**
 * One optimizer step from accumulated gradients: clips them to maxNorm (0 = no clipping), steps AdamW
 * at `lr` and frees the gradients. Returns the pre-clip global norm (read back: one small GPU read).
 */
export async function clipAndStep(
  optimizer: AdamW,
  grads: tf.NamedTensorMap,
  maxNorm: number,
  lr: number,
): Promise<number> {
  const byName = new Map(Object.entries(grads));
  const clipped = clipGradNorm(byName, maxNorm);
  try {
    const norm = (await clipped.norm.data())[0];
    optimizer.step(clipped.grads, lr);
    return norm;
  } finally {
    for (const g of byName.values()) g.dispose();
    for (const g of clipped.grads.values()) g.dispose();
    clipped.norm.dispose();
  }
}
