import { assertEquals } from "../../assert.ts";
import {
  extractAnswer,
  normaliseAnswer,
  parseNumber,
  withoutEndToken,
} from "../../../core/rewards/answer.ts";

Deno.test("extractAnswer() gives the trimmed text of the first <answer> closed after it", () => {
  assertEquals(extractAnswer("<think>x</think><answer> 3 </answer>"), "3");
  assertEquals(extractAnswer("<answer>a</answer><answer>b</answer>"), "a");
  assertEquals(extractAnswer("<answer></answer>"), "");
  // Nested: the first <answer> pairs with the first </answer> after it, as the lazy regex did.
  assertEquals(extractAnswer("<answer><answer>x</answer></answer>"), "<answer>x");
  assertEquals(extractAnswer("</answer><answer>y</answer>"), "y");
});

Deno.test("extractAnswer() is null when no <answer> is closed", () => {
  for (
    const text of ["", "3", "<answer>3", "</answer>3<answer>", "<Answer>3</Answer>", "<answer>".repeat(3)]
  ) {
    assertEquals(extractAnswer(text), null, JSON.stringify(text));
  }
});

Deno.test("withoutEndToken() drops one trailing <|im_end|> and the blanks after it", () => {
  assertEquals(withoutEndToken("a<|im_end|>\n"), "a");
  assertEquals(withoutEndToken("a <|im_end|>"), "a ");
  assertEquals(withoutEndToken("a<|im_end|><|im_end|>"), "a<|im_end|>");
  assertEquals(withoutEndToken("<|im_end|> a"), "<|im_end|> a");
  assertEquals(withoutEndToken(" a "), " a ");
  assertEquals(withoutEndToken(""), "");
});

Deno.test("normaliseAnswer() folds case, punctuation, number words and 3.0", () => {
  assertEquals(normaliseAnswer("  Red. "), "red");
  assertEquals(normaliseAnswer("three"), "3");
  assertEquals(normaliseAnswer("3.0"), "3");
  assertEquals(normaliseAnswer("2.50"), "2.5");
  assertEquals(normaliseAnswer("-02"), "-2");
  assertEquals(normaliseAnswer("The   Big,\nred CIRCLE!"), "the big red circle");
  assertEquals(normaliseAnswer("Über 😀 日本"), "über 日本");
  assertEquals(normaliseAnswer(""), "");
});

Deno.test("normaliseAnswer() keeps a decimal too long for a double as written", () => {
  // Number() of 400 nines is Infinity; two different huge numbers must not both become "Infinity".
  const huge = "9".repeat(400);
  assertEquals(normaliseAnswer(huge), huge);
  assertEquals(normaliseAnswer("NaN Infinity"), "nan infinity");
});

Deno.test("parseNumber() reads one decimal or number word, else null", () => {
  assertEquals(parseNumber(" 3.0 "), 3);
  assertEquals(parseNumber("Seven."), 7);
  assertEquals(parseNumber("-0.25"), -0.25);
  for (const text of ["", "3 4", "NaN", "Infinity", "1e3", "9".repeat(400), "three cats", "0x10"]) {
    assertEquals(parseNumber(text), null, text.slice(0, 20));
  }
});

Deno.test("extractAnswer() and normaliseAnswer() stay in range on 10,000 adversarial characters", () => {
  const inputs = [
    "<answer>".repeat(1250),
    "<answer>" + " .".repeat(4996),
    "1.".repeat(5000),
    ".".repeat(10000),
    "9".repeat(10000),
    "<answer>" + "[1,".repeat(3330) + "</answer>",
  ];
  // Only the last has a closed answer: "[1," x 3330 (9990 characters), normalised to "1" x 3330.
  assertEquals(inputs.map((t) => extractAnswer(t)?.length ?? null), [null, null, null, null, null, 9990]);
  assertEquals(normaliseAnswer(extractAnswer(inputs[5])!), Array(3330).fill("1").join(" "));
  assertEquals(normaliseAnswer(inputs[1]), "answer");
  assertEquals(normaliseAnswer(inputs[3]), "");
  // Not single numbers (the last three are too long or malformed for one).
  assertEquals(inputs.map(parseNumber), [null, null, null, null, null, null]);
});
