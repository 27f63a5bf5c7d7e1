/**
 * Conversation JSONL read line by line: good lines become records exactly as written, every malformed
 * line becomes a problem naming its line, and the lines around it are kept.
 */
import { readConversationJsonl } from "../../../../core/data/datasets/conversation.ts";
import { MAX_LINE_CHARS } from "../../../../core/data/datasets/lines.ts";
import { assertEquals } from "../../../assert.ts";

const line = (value: Record<string, unknown>) => JSON.stringify(value);
const good = (id: string, answer: string) =>
  line({
    id,
    image: `${id}.png`,
    conversations: [
      { from: "human", value: "<image>\nHow many red circles are there?" },
      { from: "gpt", value: answer },
    ],
  });

Deno.test("readConversationJsonl() keeps the gpt turn exactly and strips only <image> from the prompt", () => {
  const answer = "<think> I see two. </think>\n<answer> 2 </answer>";
  const text = [
    good("a", answer),
    line({
      id: 7,
      image: ["b.png"],
      source: "vlm-r1",
      conversations: [
        { from: "user", value: "Count: <image> the blue squares." },
        { from: "assistant", value: "3" },
      ],
    }),
  ].join("\n");
  const parsed = readConversationJsonl(text, "d.jsonl");
  assertEquals(parsed.problems, []);
  assertEquals(parsed.total, 2);
  assertEquals(parsed.records, [
    {
      id: "a",
      where: "d.jsonl:1",
      at: 1,
      task: "conversation",
      prompt: "How many red circles are there?",
      solution: answer,
      reference: answer,
      image: { kind: "path", path: "a.png" },
      meta: {},
    },
    {
      id: "7",
      where: "d.jsonl:2",
      at: 2,
      task: "conversation",
      prompt: "Count:  the blue squares.",
      solution: "3",
      reference: "3",
      image: { kind: "path", path: "b.png" },
      meta: { source: "vlm-r1", image_at: 7 },
    },
  ]);
});

Deno.test("readConversationJsonl() names the line and the problem of each malformed line and keeps the rest", () => {
  const lines = [
    good("first", "1"),
    `{"id": "cut", "image": "x.png", "conversations": [{"from": "human", "val`, // truncated
    line({ id: "t", image: 5, conversations: [] }),
    line({ id: "v", video: "clip.mp4", conversations: [] }),
    "",
    line({ id: "two", image: ["a.png", "b.png"], conversations: [] }),
    line({ id: "c", image: "c.png", conversations: [{ from: "human", value: 3 }] }),
    line({
      id: "n",
      image: "n.png",
      conversations: [{ from: "human", value: "no image" }, { from: "gpt", value: "1" }],
    }),
    line({
      id: "g",
      image: "g.png",
      conversations: [{ from: "gpt", value: "1" }, { from: "human", value: "<image>q" }],
    }),
    "[1, 2]",
    line({ id: { x: 1 }, image: "i.png", conversations: [] }),
    good("last", "4"),
  ];
  const parsed = readConversationJsonl(lines.join("\n") + "\n", "d.jsonl");
  assertEquals(parsed.records.map((r) => [r.id, r.where]), [["first", "d.jsonl:1"], ["last", "d.jsonl:12"]]);
  assertEquals(parsed.total, 11);
  assertEquals(parsed.blank, 1);
  assertEquals(parsed.problems.map((p) => `${p.where}: ${p.message}`), [
    "d.jsonl:2: not valid JSON: Unterminated string (the line looks cut short)",
    'd.jsonl:3: "image" must be a path or a list of paths, got a number',
    'd.jsonl:4: has a "video" key: video is not supported',
    `d.jsonl:6: "image" lists 2 images: the lab's models read one image per sample`,
    "d.jsonl:7: conversations[0].value must be a string, got a number",
    "d.jsonl:8: the human turn has 0 <image> placeholders; one is needed, where the image goes",
    '"conversations" must be one human turn then one gpt turn; got gpt, human'.replace(/^/, "d.jsonl:9: "),
    "d.jsonl:10: a line must hold a JSON object, got an array",
    'd.jsonl:11: "id" must be a string or a number, got an object',
  ]);
  assertEquals(parsed.problems.map((p) => p.kind), [
    "json",
    "field",
    "video",
    "field",
    "field",
    "field",
    "field",
    "field",
    "field",
  ]);
});

Deno.test("readConversationJsonl() reports a 50 MB line by its length without parsing it", () => {
  const huge = good("huge", "x".repeat(50 * 1024 * 1024));
  const parsed = readConversationJsonl([good("a", "1"), huge, good("b", "2")].join("\n"), "big.jsonl");
  assertEquals(parsed.records.map((r) => r.id), ["a", "b"]);
  assertEquals(parsed.problems, [{
    where: "big.jsonl:2",
    at: 2,
    kind: "json",
    message: `line is ${huge.length.toLocaleString("en")} characters, over the limit of ` +
      `${MAX_LINE_CHARS.toLocaleString("en")} for one record`,
  }]);
});

Deno.test("readConversationJsonl() says an empty or blank file has no records", () => {
  for (const text of ["", "\n\n  \n"]) {
    const parsed = readConversationJsonl(text, "e.jsonl");
    assertEquals(parsed.records, []);
    assertEquals(parsed.problems.map((p) => `${p.where}: ${p.message}`), [
      "e.jsonl: the file has no records (it is empty)",
    ]);
  }
});

Deno.test("readConversationJsonl() accepts CRLF line ends and numbers lines from 1", () => {
  const parsed = readConversationJsonl(`${good("a", "1")}\r\n${good("b", "2")}\r\n`, "w.jsonl");
  assertEquals(parsed.records.map((r) => [r.where, r.prompt]), [
    ["w.jsonl:1", "How many red circles are there?"],
    ["w.jsonl:2", "How many red circles are there?"],
  ]);
});
