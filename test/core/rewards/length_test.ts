import { assert, assertEquals, assertThrows } from "../../assert.ts";
import { length, lengthReward } from "../../../core/rewards/length.ts";
import type { RewardSample } from "../../../core/rewards/types.ts";

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
const chars = (n: number) => "x".repeat(n);

Deno.test("lengthReward() is 0 up to L_max - L_cache, linear to -1 at L_max, -1 beyond", () => {
  // Defaults L_max 512, L_cache 128: free up to 384.
  assertEquals(length.defaults, { max_length: 512, cache_length: 128 });
  assertEquals(lengthReward(""), 0);
  assertEquals(lengthReward(chars(384)), 0);
  // (384 - 385) / 128.
  assertEquals(lengthReward(chars(385)), -1 / 128);
  // (384 - 448) / 128 = -64 / 128.
  assertEquals(lengthReward(chars(448)), -0.5);
  assertEquals(lengthReward(chars(512)), -1);
  assertEquals(lengthReward(chars(513)), -1);
  assertEquals(lengthReward(chars(10000)), -1);
});

Deno.test("lengthReward() counts code points and leaves a trailing <|im_end|> out", () => {
  // 385 emoji are 770 UTF-16 units but 385 characters.
  assertEquals(lengthReward("😀".repeat(385)), -1 / 128);
  assertEquals(lengthReward(chars(384) + "<|im_end|>\n"), 0);
  // Only the trailing one: in the middle it is text (384 + 10 = 394 characters, (384 - 394) / 128).
  assertEquals(lengthReward("<|im_end|>" + chars(384)), -10 / 128);
});

Deno.test("lengthReward() follows max_length and cache_length", () => {
  // cache_length 0: a hard cut at max_length, no division.
  assertEquals(lengthReward(chars(10), { max_length: 10, cache_length: 0 }), 0);
  assertEquals(lengthReward(chars(11), { max_length: 10, cache_length: 0 }), -1);
  // cache_length = max_length: the penalty starts at once; (0 - 5) / 10.
  assertEquals(lengthReward(chars(5), { max_length: 10, cache_length: 10 }), -0.5);
  assertEquals(lengthReward("", { max_length: 10, cache_length: 10 }), 0);
  assertEquals(length.fn(chars(448), sample, length.defaults, ctx), -0.5);
});

Deno.test("lengthReward() names the option when max_length or cache_length is bad", () => {
  for (const max_length of [0, -5, NaN, Infinity]) {
    assertThrows(
      () => lengthReward("x", { max_length, cache_length: 0 }),
      Error,
      "length: option max_length",
    );
  }
  for (const cache_length of [-1, 11, NaN]) {
    assertThrows(
      () => lengthReward("x", { max_length: 10, cache_length }),
      Error,
      "length: option cache_length",
    );
  }
});

Deno.test("lengthReward() stays in [-1, 0] and never rises with the length", () => {
  for (
    const options of [length.defaults, { max_length: 7, cache_length: 3 }, { max_length: 1, cache_length: 1 }]
  ) {
    let last = 0;
    for (let n = 0; n <= 600; n++) {
      const r = lengthReward(chars(n), options);
      assert(Number.isFinite(r) && r >= -1 && r <= 0 && r <= last, `${r} at ${n}`);
      last = r;
    }
  }
  for (const c of ["<answer>", "\ud800", "NaN", "\u0000".repeat(9), "\n".repeat(1000)]) {
    const r = lengthReward(c);
    assert(r >= -1 && r <= 0, `${r}`);
  }
});
