import { assertAlmostEquals, assertEquals, assertThrows } from "../../assert.ts";
import { Rng } from "../../../core/random.ts";
import { logSoftmax, sampleToken, type SamplingOptions } from "../../../core/rollout/sampling.ts";

const plain: SamplingOptions = { temperature: 1, top_p: 1, top_k: 0, min_p: 0, repetition_penalty: 1 };
const logits = [2.0, 1.0, 0.5, -1.0, 3.0];

/** Empirical frequencies of 20,000 draws. */
function frequencies(o: SamplingOptions, row = logits, previous: number[] = []): number[] {
  const rng = new Rng(7);
  const counts = new Array(row.length).fill(0);
  const n = 20000;
  for (let i = 0; i < n; i++) counts[sampleToken(row, previous, o, rng).token]++;
  return counts.map((c) => c / n);
}

Deno.test("logSoftmax() matches log(exp(x) / sum exp(x)) and survives huge logits", () => {
  const z = logits.reduce((s, x) => s + Math.exp(x), 0);
  logSoftmax(logits).forEach((v, i) => assertAlmostEquals(v, logits[i] - Math.log(z), 1e-12));
  const big = logSoftmax([1000, 1000]);
  assertAlmostEquals(big[0], Math.log(0.5), 1e-12);
});

Deno.test("sampleToken() with top_k=1 equals greedy at any temperature", () => {
  const rng = new Rng(1);
  for (const temperature of [0.3, 1, 5]) {
    for (let i = 0; i < 50; i++) {
      assertEquals(sampleToken(logits, [], { ...plain, temperature, top_k: 1 }, rng).token, 4);
    }
  }
  assertEquals(sampleToken(logits, [], { ...plain, temperature: 0 }, rng).token, 4);
});

Deno.test("sampleToken() draws tokens with softmax(logits / T) frequencies", () => {
  const temperature = 2;
  const z = logits.reduce((s, x) => s + Math.exp(x / temperature), 0);
  const freq = frequencies({ ...plain, temperature });
  freq.forEach((f, i) => assertAlmostEquals(f, Math.exp(logits[i] / temperature) / z, 0.015));
});

Deno.test("sampleToken() reports the log-probability before filters", () => {
  const out = sampleToken(logits, [], { ...plain, temperature: 0.5, top_k: 2 }, new Rng(3));
  assertAlmostEquals(out.logprob, logSoftmax(logits, 2)[out.token], 1e-12);
});

Deno.test("sampleToken() top_k=2 keeps only the two best tokens, renormalised", () => {
  const freq = frequencies({ ...plain, top_k: 2 });
  const p4 = Math.exp(3) / (Math.exp(3) + Math.exp(2));
  assertAlmostEquals(freq[4], p4, 0.015);
  assertAlmostEquals(freq[0], 1 - p4, 0.015);
  assertEquals(freq[1] + freq[2] + freq[3], 0);
});

Deno.test("sampleToken() top_p keeps the smallest prefix reaching the mass", () => {
  // Probabilities of [3, 2, 1, 0.5, -1] sorted: 0.6364, 0.2341, 0.0861, 0.0522, 0.0117.
  // top_p = 0.8 needs the first two (0.6364 < 0.8 <= 0.8705).
  const freq = frequencies({ ...plain, top_p: 0.8 });
  assertEquals(freq[1] + freq[2] + freq[3], 0);
  assertAlmostEquals(freq[4], Math.exp(3) / (Math.exp(3) + Math.exp(2)), 0.015);
});

Deno.test("sampleToken() min_p drops tokens under min_p x the top probability", () => {
  // p(token 2) / p(token 4) = e^(0.5 - 3) = 0.082: dropped at min_p 0.1; p(1)/p(4) = e^-2 = 0.135 kept.
  const freq = frequencies({ ...plain, min_p: 0.1 });
  assertEquals(freq[2] + freq[3], 0);
  const z = Math.exp(3) + Math.exp(2) + Math.exp(1);
  assertAlmostEquals(freq[1], Math.exp(1) / z, 0.015);
});

Deno.test("sampleToken() repetition_penalty divides positive and multiplies negative logits", () => {
  // Token 4 (logit 3) seen: 3 / 3 = 1; token 3 (logit -1) seen: -3. Greedy then picks token 0 (logit 2).
  const o = { ...plain, temperature: 0, repetition_penalty: 3 };
  assertEquals(sampleToken(logits, [4, 4, 3], o, new Rng(0)).token, 0);
  const freq = frequencies({ ...plain, repetition_penalty: 3 }, logits, [4, 3]);
  const adjusted = [2, 1, 0.5, -3, 1];
  const z = adjusted.reduce((s, x) => s + Math.exp(x), 0);
  freq.forEach((f, i) => assertAlmostEquals(f, Math.exp(adjusted[i]) / z, 0.015));
});

Deno.test("sampleToken() gives the same tokens for the same seed", () => {
  const draw = (seed: number) => {
    const rng = new Rng(seed);
    return Array.from({ length: 64 }, () => sampleToken(logits, [], plain, rng).token).join("");
  };
  assertEquals(draw(11), draw(11));
  assertEquals(draw(11) === draw(12), false);
});

Deno.test("checkSamplingOptions() names the bad key", async () => {
  const { checkSamplingOptions } = await import("../../../core/rollout/sampling.ts");
  assertThrows(() => checkSamplingOptions({ ...plain, top_p: 0 }), RangeError, "top_p=0");
  assertThrows(() => checkSamplingOptions({ ...plain, top_k: 1.5 }), RangeError, "top_k");
});

Deno.test("checkSamplingOptions() has the config's limits: what parseConfig accepts samples, what it refuses is refused", async () => {
  const { checkSamplingOptions } = await import("../../../core/rollout/sampling.ts");
  const { ConfigError, parseConfig } = await import("../../../core/config/mod.ts");
  const cases: [keyof SamplingOptions, number][] = [
    ["min_p", 1],
    ["min_p", 0.99],
    ["min_p", -0.1],
    ["temperature", 0],
    ["temperature", 1e-3],
    ["top_p", 0],
    ["top_p", 1],
    ["top_k", -1],
    ["top_k", 1],
    ["repetition_penalty", 0],
    ["repetition_penalty", 1.2],
  ];
  for (const [key, value] of cases) {
    let parses = true;
    try {
      parseConfig([{ source: "test", values: { [key]: value } }]);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      parses = false;
    }
    let samples = true;
    try {
      checkSamplingOptions({ ...plain, [key]: value });
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      samples = false;
    }
    assertEquals([key, value, samples], [key, value, parses]);
  }
  // min_p=1 would keep only the top token's ties; the config now refuses it before anything loads.
  assertThrows(() => parseConfig([{ source: "test", values: { min_p: 1 } }]), ConfigError, "min_p");
});
