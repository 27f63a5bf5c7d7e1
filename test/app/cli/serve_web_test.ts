import { assertEquals } from "../../assert.ts";
import { contentType, filePathFor, serveStatic } from "../../../app/cli/serve_web.ts";

Deno.test("filePathFor() maps URL paths under the root and refuses ways out", () => {
  assertEquals(filePathFor("/d/", "/"), "/d/index.html");
  assertEquals(filePathFor("/d", "/models/qwen/tokenizer.json"), "/d/models/qwen/tokenizer.json");
  assertEquals(filePathFor("/d", "/a%20b/"), "/d/a b/index.html");
  assertEquals(filePathFor("/d", "/../etc/passwd"), null);
  assertEquals(filePathFor("/d", "/a/%2e%2e/%2e%2e/x"), null);
  assertEquals(filePathFor("/d", "/a%5c..%5cx"), null);
  assertEquals(filePathFor("/d", "/%E0%A4%A"), null);
});

Deno.test("contentType() by extension", () => {
  assertEquals(
    ["a.html", "b.JS", "c.wasm", "d.json", "e.safetensors", "f"].map(contentType),
    [
      "text/html; charset=utf-8",
      "text/javascript; charset=utf-8",
      "application/wasm",
      "application/json; charset=utf-8",
      "application/octet-stream",
      "application/octet-stream",
    ],
  );
});

Deno.test("serveStatic() serves files with their type and a 404 (not index.html) for a missing one", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/index.html`, "<p>lab</p>");
  await Deno.mkdir(`${dir}/wasm`);
  await Deno.writeFile(`${dir}/wasm/x.wasm`, new Uint8Array([0, 97, 115, 109]));
  const server = serveStatic(dir, 0);
  try {
    assertEquals(server.url.startsWith("http://127.0.0.1:"), true);
    const index = await fetch(server.url);
    assertEquals([index.status, index.headers.get("content-type"), await index.text()], [
      200,
      "text/html; charset=utf-8",
      "<p>lab</p>",
    ]);
    const wasm = await fetch(`${server.url}wasm/x.wasm`);
    assertEquals([wasm.headers.get("content-type"), Array.from(new Uint8Array(await wasm.arrayBuffer()))], [
      "application/wasm",
      [0, 97, 115, 109],
    ]);
    const missing = await fetch(`${server.url}models/qwen/tokenizer.json`);
    assertEquals([missing.status, await missing.text()], [404, "not found: /models/qwen/tokenizer.json\n"]);
    const dirPath = await fetch(`${server.url}wasm`);
    assertEquals(dirPath.status, 404);
    await dirPath.body?.cancel();
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
