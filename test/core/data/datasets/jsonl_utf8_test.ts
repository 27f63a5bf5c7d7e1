/**
 * The bytes of a JSONL data file: a UTF-8 byte-order mark at its start is accepted; a line that is not
 * valid UTF-8 is a problem naming FILE:LINE, the byte and its column, never text with U+FFFD in it.
 */
import { DataSource, invalidUtf8At, urlFiles } from "../../../../core/data/datasets/mod.ts";
import { assertEquals } from "../../../assert.ts";
import { conversationLine, countSample } from "./fixtures.ts";

const files = urlFiles(new URL("file:///"));
const utf8 = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
};

async function open(bytes: Uint8Array): Promise<{ source: DataSource; path: string }> {
  const dir = await Deno.makeTempDir({ prefix: "grpo-lab-utf8-" });
  const path = `${dir}/x.jsonl`;
  await Deno.writeFile(path, bytes);
  return { source: await DataSource.open(path, files), path };
}

Deno.test("DataSource.open() accepts a UTF-8 byte-order mark at the start of a JSONL file", async () => {
  const lines = [0, 1].map((i) => conversationLine(countSample(i), `scene-${i}.png`)).join("\n");
  const { source } = await open(concat(new Uint8Array([0xef, 0xbb, 0xbf]), utf8(lines + "\n")));
  assertEquals(source.parsed.problems, []);
  assertEquals(source.records.map((r) => r.id), [countSample(0).id, countSample(1).id]);
});

Deno.test("DataSource.open() names the line, byte and column of invalid UTF-8 and reads the other lines", async () => {
  const good = (i: number) => utf8(conversationLine(countSample(i), "a.png") + "\n");
  const { source, path } = await open(concat(
    good(0),
    utf8('{"id": "caf'),
    new Uint8Array([0xff]),
    utf8('"}\n'),
    good(1),
    utf8('{"id": "é'), // two characters before the cut sequence are one column each
    new Uint8Array([0xe2, 0x82]),
    utf8('"}\n'),
  ));
  assertEquals(source.records.map((r) => r.where), [`${path}:1`, `${path}:3`]);
  assertEquals(
    source.parsed.problems.map((p) => `${p.where}: ${p.message} [${p.kind}]`),
    [
      `${path}:2: not valid UTF-8 (byte 0xff at column 12) [utf8]`,
      `${path}:4: not valid UTF-8 (byte 0xe2 at column 10) [utf8]`,
    ],
  );
  assertEquals(source.parsed.total, 4);
});

Deno.test("invalidUtf8At() finds the first byte the strict decoder refuses, and -1 when it refuses none", () => {
  const cases: [number[], number][] = [
    [[0x61, 0xc3, 0xa9, 0x62], -1], // "aéb"
    [[0xf0, 0x9f, 0x98, 0x80], -1], // an emoji, 4 bytes
    [[0x61, 0xc0, 0xaf], 1], // overlong "/"
    [[0x61, 0x62, 0xed, 0xa0, 0x80], 2], // a UTF-16 surrogate
    [[0xf4, 0x90, 0x80, 0x80], 0], // past U+10FFFF
    [[0x61, 0xe2, 0x82], 1], // cut short at the end
    [[0x80], 0], // a lone continuation byte
  ];
  const strict = new TextDecoder("utf-8", { fatal: true });
  for (const [bytes, at] of cases) {
    const array = new Uint8Array(bytes);
    assertEquals(invalidUtf8At(array), at, bytes.join(","));
    let refused = false;
    try {
      strict.decode(array);
    } catch {
      refused = true;
    }
    assertEquals(refused, at >= 0, `TextDecoder on ${bytes.join(",")}`);
  }
});
