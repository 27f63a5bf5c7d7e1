import { assert, assertEquals, assertThrows } from "../../assert.ts";
import { repetition, repetitionReward } from "../../../core/rewards/repetition.ts";
import type { RewardSample } from "../../../core/rewards/types.ts";
import { Rng } from "../../../core/random.ts";

const ctx = { sayOnce: () => {} };
const sample: RewardSample = {
  id: "t-0-0",
  task: "t",
  prompt: "?",
  solution: "3",
  reference: "<answer>3</answer>",
  meta: {},
  imageSize: null,
};

/** -(1 - U/T) by comparing every n-gram with every earlier one: quadratic, but independent. */
function bruteForce(text: string, n: number): number {
  const words = text.toLowerCase().split(/\s+/).filter((w) => w !== "");
  const total = words.length - n + 1;
  if (total < 1) return 0;
  let distinct = 0;
  for (let i = 0; i < total; i++) {
    let seen = false;
    for (let j = 0; j < i && !seen; j++) {
      seen = words.slice(i, i + n).every((w, k) => w === words[j + k]);
    }
    if (!seen) distinct++;
  }
  return -(1 - distinct / total);
}

Deno.test("repetitionReward() is 0 when no n-gram repeats", () => {
  assertEquals(repetitionReward("the red circle is left of the blue square"), 0);
  assertEquals(repetition.defaults, { n: 3 });
});

Deno.test("repetitionReward() is -(1 - distinct / all) over word n-grams", () => {
  // Trigrams of "a b a b a b": aba, bab, aba, bab; T = 4, U = 2: (2 - 4) / 4.
  assertEquals(repetitionReward("a b a b a b"), -0.5);
  // Bigrams of "the cat the cat the cat": T = 5, U = 2 ("the cat", "cat the"): -3/5.
  assertEquals(repetitionReward("the cat the cat the cat", { n: 2 }), -3 / 5);
  // Lower-cased words: "A a a" is a, a, a; T = 3, U = 1: -2/3.
  assertEquals(repetitionReward("A a\na", { n: 1 }), -2 / 3);
  // 5000 words "x": T = 4998 trigrams, U = 1: (1 - 4998) / 4998.
  assertEquals(repetitionReward("x ".repeat(5000)), -4997 / 4998);
  assertEquals(repetition.fn("a b a b a b", sample, repetition.defaults, ctx), -0.5);
});

Deno.test("repetitionReward() is 0 with fewer than n words", () => {
  assertEquals(repetitionReward(""), 0);
  assertEquals(repetitionReward("  \n\t "), 0);
  assertEquals(repetitionReward("a a"), 0);
  assertEquals(repetitionReward("a a a"), 0);
  assertEquals(repetitionReward("a a a a", { n: 5 }), 0);
});

Deno.test("repetitionReward() names the option when n is not a whole number >= 1", () => {
  for (const n of [0, -1, 1.5, NaN, Infinity]) {
    assertThrows(
      () => repetitionReward("a b c", { n }),
      Error,
      "repetition: option n must be a whole number >= 1",
    );
  }
});

Deno.test("repetitionReward() agrees with a brute-force count and stays in (-1, 0] on random input", () => {
  const words = ["a", "b", "c", "A", "😀", "<answer>", "\ud800", "NaN", "-1e308"];
  const rng = new Rng(5);
  for (let i = 0; i < 500; i++) {
    const text = Array.from({ length: rng.int(0, 30) }, () => rng.pick(words)).join(
      rng.pick([" ", "\n", "  "]),
    );
    for (const n of [1, 2, 3, 4]) {
      const r = repetitionReward(text, { n });
      assert(r > -1 && r <= 0, `${r} on ${JSON.stringify(text)}`);
      // Object.is: a text without repeats gives +0, not -0.
      if (r === 0) assertEquals(Object.is(r, 0), true);
      assert(
        Math.abs(r - bruteForce(text, n)) < 1e-12,
        `${r} vs ${bruteForce(text, n)} on ${JSON.stringify(text)}`,
      );
    }
  }
});
