import { assertEquals } from "../../assert.ts";
import {
  countWords,
  firstBlock,
  lexTags,
  readBoxArgument,
  toolCalls,
} from "../../../core/rewards/tool_use.ts";

const calls = (text: string) => toolCalls(text, lexTags(text));

Deno.test("lexTags() finds the four structural tags and nothing else", () => {
  const text = "<think>a <b> <tool_call>x</tool_call></think><answer>y</answer><tool_response>";
  assertEquals(lexTags(text).map((t) => `${t.closing ? "/" : ""}${t.name}@${t.start}-${t.end}`), [
    "think@0-7",
    "tool_call@13-24",
    "/tool_call@25-37",
    "/think@37-45",
    "answer@45-53",
    "/answer@54-63",
    "tool_response@63-78",
  ]);
});

Deno.test("firstBlock() pairs the first opening with the first closing after it", () => {
  const text = "</think><think>a<think>b</think>c</think>";
  const span = firstBlock(lexTags(text), "think")!;
  assertEquals(text.slice(span.start, span.end), "a<think>b");
  assertEquals(firstBlock(lexTags("<think>never closed"), "think"), null);
  assertEquals(firstBlock(lexTags("</think>"), "think"), null);
});

Deno.test("toolCalls() reads name, argument, closing and the Identify answer of each call", () => {
  const text = "<tool_call>Crop [1, 2, 3, 4]</tool_call>" +
    "<tool_call> Identify [5,6,7,8] </tool_call> <tool_response> Ada </tool_response>" +
    "<tool_call>Identify [5,6,7,8]</tool_call><tool_response></tool_response>" +
    "<tool_call>Identify [5,6,7,8]</tool_call>words<tool_response>Ada</tool_response>" +
    "<tool_call>[1, 2, 3, 4]</think><tool_call>Crop [1, 2,";
  assertEquals(calls(text).map((c) => [c.name, c.argument, c.closed, c.answered]), [
    ["Crop", "[1, 2, 3, 4]", true, false],
    ["Identify", "[5,6,7,8]", true, true],
    // An empty response, and a response after other text, do not answer the call.
    ["Identify", "[5,6,7,8]", true, false],
    ["Identify", "[5,6,7,8]", true, false],
    // The body stops at the next tag; a truncated call runs to the end.
    [null, "[1, 2, 3, 4]", false, false],
    ["Crop", "[1, 2,", false, false],
  ]);
  assertEquals(
    calls("<tool_call>Identify [1,2,3,4]</tool_call><tool_response>a<b</tool_response>")[0].answered,
    false,
  );
  assertEquals(calls("no calls"), []);
});

Deno.test("readBoxArgument() reads four numbers from the leading brackets", () => {
  assertEquals(readBoxArgument("[1, 2.5, 3, 4]"), { box: [1, 2.5, 3, 4], exact: true });
  assertEquals(readBoxArgument("[1, 2, 3, 4] please"), { box: [1, 2, 3, 4], exact: false });
  assertEquals(readBoxArgument("[-1, 2, 3, 4]").box, [-1, 2, 3, 4]);
  for (
    const arg of [
      "",
      "1, 2, 3, 4",
      "[1, 2, 3, 4",
      "[1, 2, 3]",
      "[1, 2, 3, 4, 5]",
      "[a, 2, 3, 4]",
      "[NaN, 2, 3, 4]",
      "[, 2, 3, 4]",
    ]
  ) {
    assertEquals(readBoxArgument(arg).box, null, arg);
  }
});

Deno.test("countWords() counts whitespace-separated runs, tags as blanks", () => {
  assertEquals(countWords("<think>The red one</think><answer>3</answer>"), 4);
  assertEquals(countWords("  a\n\tb  "), 2);
  assertEquals(countWords(""), 0);
  assertEquals(countWords("三角形 🙂"), 2);
});
