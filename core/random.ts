/**
 * A small seeded random generator (SplitMix32 stream feeding Mulberry32), so that the same seed gives
 * the same scenes and the same sampled tokens on every runtime. Not for cryptography.
 */
export class Rng {
  #state: number;

  constructor(seed: number) {
    // Mix the seed once so that nearby seeds (0, 1, 2) start far apart.
    let z = (seed | 0) + 0x9e3779b9;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    this.#state = (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** A standard normal draw (Box-Muller). */
  normal(): number {
    const u = 1 - this.next(); // in (0, 1]: log(u) is finite
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** The whole internal state, for a checkpoint: Rng.fromState(rng.state) continues the same stream. */
  get state(): number {
    return this.#state;
  }

  static fromState(state: number): Rng {
    if (!Number.isInteger(state) || state < 0 || state > 0xffffffff) {
      throw new Error(`Rng.fromState(): a state is an unsigned 32-bit integer, got ${state}`);
    }
    const rng = new Rng(0);
    rng.#state = state;
    return rng;
  }

  /** A new generator whose stream is independent of this one's continuation. */
  fork(salt: number): Rng {
    return new Rng(Math.floor(this.next() * 2 ** 31) ^ Math.imul(salt, 0x9e3779b1));
  }
}

/** Standard-normal draws from Rng(seed), as a function: what model init takes (models/ has no Rng). */
export function normalStream(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.normal();
}
