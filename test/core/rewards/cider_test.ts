import { assert, assertAllClose, assertAlmostEquals, assertEquals, assertThrows } from "../../assert.ts";
import {
  ciderD,
  ciderDScore,
  corpusIdf,
  flatIdf,
  ngramCounts,
  tokenize,
} from "../../../core/rewards/cider.ts";

/**
 * Golden values: printed by cider_reference.py (numpy, dense matrices, written from the formula) for these
 * inputs and pasted here, so that the test runs without Python. The last test runs the script again where
 * python3 with numpy is installed and checks that it still prints these numbers.
 */
interface ReferenceCase {
  candidates: string[];
  referenceSets: string[][];
  /** The sets the idf counts documents in; referenceSets when absent. */
  dfSets?: string[][];
  flatIdf?: boolean;
}

const RED = [
  "A red circle is the largest shape.",
  "The largest shape is a red circle.",
  "The biggest shape, a circle, is red.",
];
const BLUE = ["Two blue squares sit on the left.", "There are two squares, both blue."];
const CAT = ["Con mèo màu đỏ nằm trên ghế.", "Một con mèo đỏ."];
const RED2 = RED.slice(0, 2);
const EXPLAIN = [
  "The largest shape is the red circle.",
  "The red circle at (40, 52) is bigger than every other shape, so the answer is red.",
  "Of the 4 shapes, the biggest is a circle, and it is red.",
];

const CASES: ReferenceCase[] = [
  // A batch of three images, one Vietnamese; "two two two two" is clipped to the references' one "two".
  {
    candidates: ["The largest shape is a red circle!", "two two two two blue blue", "con mèo đỏ"],
    referenceSets: [RED, BLUE, CAT],
  },
  // Empty, one word (no bigram: length 0), three words (no 4-gram: zero norm), much too long.
  {
    candidates: [
      "",
      "Red",
      "a red circle",
      "the red circle the red circle the red circle the red circle the red circle",
      "two blue squares on the left",
    ],
    referenceSets: [RED2, RED2, RED2, RED2, BLUE],
  },
  // The explanation reward's idf: each reference of one sample is one document.
  {
    candidates: [
      EXPLAIN[0],
      "The largest shape is the blue circle.",
      "The biggest shape is a red circle.",
      "banana",
    ],
    referenceSets: [EXPLAIN, EXPLAIN, EXPLAIN, EXPLAIN],
    dfSets: EXPLAIN.map((e) => [e]),
  },
  // Flat idf, one reference.
  {
    candidates: ["the red circle is the largest shape", EXPLAIN[0]],
    referenceSets: [[EXPLAIN[0]], [EXPLAIN[0]]],
    flatIdf: true,
  },
];

const EXPECTED = [
  [5.75308308258149, 0.60251772205832, 3.8900344412000787],
  [0.0, 0.619037762354004, 3.466533639215312, 0.12771049164082085, 3.261589300912725],
  [3.3532988944306363, 2.238924341323831, 0.6798794296885392, 0.0],
  [5.583333333333334, 10.0],
];

function scoreCase(c: ReferenceCase): number[] {
  const idf = c.flatIdf ? flatIdf : corpusIdf(c.dfSets ?? c.referenceSets);
  return c.candidates.map((candidate, i) => ciderDScore(candidate, c.referenceSets[i], idf));
}

Deno.test("tokenize() lower-cases, drops punctuation, keeps decimals and composes accents", () => {
  assertEquals(tokenize("It's the RED circle at (12.5, 30)!"), [
    "it",
    "s",
    "the",
    "red",
    "circle",
    "at",
    "12.5",
    "30",
  ]);
  // "e" + U+0300 (combining grave) composes to "è", the same token as the precomposed letter.
  assertEquals(tokenize("Con Me\u0300o"), tokenize("con mèo"));
  assertEquals(tokenize("con mèo"), ["con", "mèo"]);
  assertEquals(tokenize("snake_case end. 3.5.7"), ["snake", "case", "end", "3.5.7"]);
  assertEquals(tokenize(""), []);
  assertEquals(tokenize(" ,.;!? "), []);
});

Deno.test("ngramCounts() counts every 1- to 4-gram", () => {
  const counts = ngramCounts(["a", "b", "a", "b"]);
  assertEquals(counts.map((m) => Object.fromEntries(m)), [
    { a: 2, b: 2 },
    { "a b": 2, "b a": 1 },
    { "a b a": 1, "b a b": 1 },
    { "a b a b": 1 },
  ]);
  assertEquals(ngramCounts([]).map((m) => m.size), [0, 0, 0, 0]);
});

Deno.test("corpusIdf() is log N - log max(1, df) over the document sets", () => {
  const idf = corpusIdf([["a b", "a"], ["a c"], ["d"]]);
  // N = 3. df(a) = 2 (a set counts once), df(a b) = 1, df(z) = 0 -> max(1, 0) = 1.
  assertAlmostEquals(idf("a"), Math.log(3) - Math.log(2), 1e-15);
  assertAlmostEquals(idf("a b"), Math.log(3), 1e-15);
  assertAlmostEquals(idf("z"), Math.log(3), 1e-15);
  assertEquals(flatIdf("anything"), 1);
});

Deno.test("ciderD() gives the hand-computed score of a candidate equal to its reference", () => {
  // N = 2 sets, every n-gram in one set: idf = log 2 = l. "a b" vs "a b": sim_1 = sim_2 = 1, no 3- or
  // 4-grams (zero norms) -> 0; equal lengths -> penalty 1. 10 · (1 + 1 + 0 + 0) / 4 = 5.
  // "c" vs "c d": unigrams c·l vs (c·l, d·l): min(l, l)·l / (l · √2 l) = 1/√2; no bigram in "c" -> 0.
  // Lengths (bigrams) 0 and 1: penalty exp(-1/72). 10 · (1/√2) / 4 · exp(-1/72).
  const [same, shorter] = ciderD(["a b", "c"], [["a b"], ["c d"]]);
  assertAlmostEquals(same, 5, 1e-12);
  assertAlmostEquals(shorter, (2.5 / Math.SQRT2) * Math.exp(-1 / 72), 1e-12);
});

Deno.test("ciderD() clips a repeated n-gram to the reference's count (the D in CIDEr-D)", () => {
  // idf = l for all. "a a a a" vs "a b": unigram a: 4l vs l -> min(4l, l)·l = l²; norms 4l and √2 l:
  // sim_1 = 1 / (4√2) (unclipped it would be 4l·l / (4√2 l²) = 1/√2). "a a" is not in "a b": sim_2 = 0;
  // the reference has no 3- or 4-grams: 0. Lengths 3 and 1: penalty exp(-4/72).
  const [score] = ciderD(["a a a a", "c"], [["a b"], ["c"]]);
  assertAlmostEquals(score, (10 / 4) * (1 / (4 * Math.SQRT2)) * Math.exp(-4 / 72), 1e-12);
});

Deno.test("ciderD() is 10 when the candidate equals every reference and all n-grams are distinctive", () => {
  assertEquals(ciderD(["a b c d", "e"], [["a b c d", "A, b; c. D"], ["f"]])[0], 10);
});

Deno.test("ciderD() gives 0 throughout with a single reference set, where every idf is log 1 - log 1", () => {
  assertEquals(ciderD(["the red circle"], [["the red circle"]]), [0]);
  assertEquals(ciderD([], []), []);
});

Deno.test("ciderD() matches the independent numpy reference on the golden cases", () => {
  for (const [i, c] of CASES.entries()) {
    if (!c.dfSets && !c.flatIdf) assertAllClose(ciderD(c.candidates, c.referenceSets), EXPECTED[i], 1e-6);
    assertAllClose(scoreCase(c), EXPECTED[i], 1e-6, `case ${i}`);
  }
});

Deno.test("ciderD() scores stay in [0, 10] and never NaN on odd candidates", () => {
  const odd = [
    "",
    "!!!",
    "🙂🙂",
    "0 0 0 0 0 0 0 0 0 0",
    "NaN Infinity -1e309",
    "a".repeat(5000),
    "the ".repeat(2500),
  ];
  const scores = ciderD(odd, odd.map(() => RED));
  for (const s of scores) assert(s >= 0 && s <= 10, `score ${s}`);
});

Deno.test("ciderD() names what is wrong with its inputs", () => {
  assertThrows(() => ciderD(["a"], []), Error, "1 candidates but 0 reference sets");
  assertThrows(() => ciderD(["a", "b"], [["a"], []]), Error, "candidate 1 has no references");
  assertThrows(() => corpusIdf([]), Error, "no document sets");
  assertThrows(() => ciderDScore("a", ["a"], flatIdf, { sigma: 0 }), Error, "sigma must be > 0");
  assertThrows(() => ciderDScore("a", ["a"], flatIdf, { maxN: 0 }), Error, "maxN must be an integer");
});

Deno.test("ciderDScore() stays in range on adversarial 10,000-character candidates", () => {
  const idf = corpusIdf([RED, BLUE]);
  const cases = [
    Array.from({ length: 2000 }, (_, i) => `w${i % 97}`).join(" ").slice(0, 10_000),
    "1.".repeat(5000),
    "1.1".repeat(3333),
    "a\u0301".repeat(5000),
    "the red circle ".repeat(667),
    "x".repeat(10_000),
  ];
  for (const candidate of cases) {
    const s = ciderDScore(candidate, RED, idf);
    assert(s >= 0 && s <= 10, `${candidate.slice(0, 20)}...: ${s}`);
  }
});

const script = new URL("./cider_reference.py", import.meta.url);
function havePythonNumpy(): boolean {
  try {
    return new Deno.Command("python3", { args: ["-c", "import numpy"], stderr: "null" }).outputSync().success;
  } catch {
    return false; // no python3 at all
  }
}

Deno.test({
  name: "cider_reference.py still prints the golden values (needs python3 with numpy)",
  ignore: !havePythonNumpy(),
  async fn() {
    const child = new Deno.Command("python3", {
      args: [decodeURIComponent(script.pathname)],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(JSON.stringify(CASES)));
    await writer.close();
    const { success, stdout, stderr } = await child.output();
    assert(success, new TextDecoder().decode(stderr));
    const printed = JSON.parse(new TextDecoder().decode(stdout)) as number[][];
    printed.forEach((scores, i) => assertAllClose(scores, EXPECTED[i], 1e-12, `case ${i}`));
  },
});
