import { formatRange, inRange } from "../config/field.ts";
import { FIELDS } from "../config/fields.ts";
import type { Rng } from "../random.ts";

/** Sampling settings, named as in TRL / Hugging Face generate(). */
export interface SamplingOptions {
  /** Softmax temperature, > 0 in a run (the config's range); sampleToken() also takes 0 as greedy (argmax). */
  temperature: number;
  /** Nucleus sampling: keep the smallest set of tokens whose probability reaches top_p (1 = off). */
  top_p: number;
  /** Keep only the k most likely tokens (0 = off). */
  top_k: number;
  /** Drop tokens whose probability is below min_p x the top token's probability (0 = off). */
  min_p: number;
  /** CTRL-style penalty on tokens already in the sequence: logit / p if > 0, else logit x p (1 = off). */
  repetition_penalty: number;
}

/** The sampled token and its log-probability. */
export interface SampledToken {
  token: number;
  /**
   * log softmax(logits / temperature)[token] over the whole vocabulary, before the repetition penalty and
   * the top-k / top-p / min-p filters: the same quantity a policy forward pass recomputes (TRL divides
   * the logits by the temperature the same way), so old and new log-probabilities are comparable.
   * With temperature 0 it is the plain log-softmax.
   */
  logprob: number;
}

/** The settings the sampler reads, each checked against its row of the config's field table. */
const SAMPLING_KEYS = ["temperature", "top_p", "top_k", "min_p", "repetition_penalty"] as const;

/**
 * Rejects settings that would make sampling meaningless, naming the key. The limits are the config's
 * (core/config/fields.ts), so a run config that parses always samples: a bad value is refused by
 * parseConfig before any model loads, and this check only guards callers that build options by hand.
 */
export function checkSamplingOptions(o: SamplingOptions): void {
  for (const key of SAMPLING_KEYS) {
    const field = FIELDS[key];
    const v = o[key];
    const whole = field.type !== "int" || Number.isInteger(v);
    if (!(Number.isFinite(v) && whole && inRange(v, field.range))) {
      const kind = field.type === "int" ? "an integer" : "a number";
      throw new RangeError(`${key}=${v} is out of range: must be ${kind} in ${formatRange(field.range)}`);
    }
  }
}

/** log softmax over a row, with the max subtracted so that exp never overflows. */
export function logSoftmax(logits: ArrayLike<number>, scale = 1): Float64Array {
  const out = new Float64Array(logits.length);
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] * scale);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] * scale - max);
  const logZ = max + Math.log(sum);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] * scale - logZ;
  return out;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/**
 * Samples one token from one row of logits [V].
 * `previous` are the token ids already in the sequence (prompt and completion so far), for the
 * repetition penalty. `suppressed` ids are never drawn (like a filter, they keep their share of the
 * reported log-probability's normaliser). The row is not modified.
 */
export function sampleToken(
  logits: ArrayLike<number>,
  previous: Iterable<number>,
  o: SamplingOptions,
  rng: Rng,
  suppressed: readonly number[] = [],
): SampledToken {
  const reported = logSoftmax(logits, o.temperature > 0 ? 1 / o.temperature : 1);
  const work = Float64Array.from(logits);
  if (o.repetition_penalty !== 1) {
    for (const id of new Set(previous)) {
      if (id < 0 || id >= work.length) continue;
      work[id] = work[id] > 0 ? work[id] / o.repetition_penalty : work[id] * o.repetition_penalty;
    }
  }
  for (const id of suppressed) if (id >= 0 && id < work.length) work[id] = -Infinity;
  if (o.temperature === 0 || o.top_k === 1) {
    const token = argmax(work);
    return { token, logprob: reported[token] };
  }
  const logp = logSoftmax(work, 1 / o.temperature);
  const filtered = o.top_k > 0 || o.min_p > 0 || o.top_p < 1;
  // Candidate tokens, most likely first when a filter needs the order (sorting 151k ids per token is
  // the slow part of sampling a full-size vocabulary, so it is skipped when nothing filters).
  let order = Array.from(logp.keys());
  // Suppressed ids have probability 0 but could still be hit by u = 0 or the rounding sliver below.
  if (suppressed.length > 0) order = order.filter((id) => logp[id] > -Infinity);
  if (filtered) order.sort((a, b) => logp[b] - logp[a]);
  if (o.top_k > 0) order = order.slice(0, o.top_k);
  if (o.min_p > 0) {
    const floor = logp[order[0]] + Math.log(o.min_p);
    order = order.filter((id) => logp[id] >= floor);
  }
  if (o.top_p < 1) {
    let mass = 0;
    let keep = 0;
    while (keep < order.length && mass < o.top_p) mass += Math.exp(logp[order[keep++]]);
    order = order.slice(0, Math.max(1, keep));
  }
  let total = 0;
  for (const id of order) total += Math.exp(logp[id]);
  let u = rng.next() * total;
  for (const id of order) {
    u -= Math.exp(logp[id]);
    if (u <= 0) return { token: id, logprob: reported[id] };
  }
  // Rounding left a sliver of mass: the least likely kept token takes it.
  const last = order[order.length - 1];
  return { token: last, logprob: reported[last] };
}
