/**
 * loadFolderTextPipeline(): a model folder's own tokenizer, chat template (tokenizer_config.json's, or
 * transformers 5's chat_template.jinja / chat_template.json) and image processor, each used when the
 * folder has it, the built-in one otherwise and said so.
 */
import { assert, assertEquals } from "../../assert.ts";
import { loadFolderTextPipeline, loadTextPipeline } from "../../../core/text/pipeline.ts";

const BUILT_IN = new URL("../../../public/models/qwen/", import.meta.url).pathname;
const builtIn = { modelBase: new URL("../../../public/models/", import.meta.url) };
const tokenizerConfig = JSON.parse(await Deno.readTextFile(`${BUILT_IN}tokenizer_config.json`));
const TEMPLATE: string = tokenizerConfig.chat_template;

/** A folder with the built-in tokenizer files, changed by `files` (null: leave the file out). */
async function folder(files: Record<string, string | null>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "text-folder-" });
  const base: Record<string, string | null> = {
    "tokenizer.json": await Deno.readTextFile(`${BUILT_IN}tokenizer.json`),
    "tokenizer_config.json": JSON.stringify(tokenizerConfig),
    ...files,
  };
  for (const [name, text] of Object.entries(base)) {
    if (text !== null) await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return dir;
}

const withoutTemplate = JSON.stringify({ ...tokenizerConfig, chat_template: undefined });
const marked = "{{- 'FOLDER-TEMPLATE ' }}" + TEMPLATE;

Deno.test("loadFolderTextPipeline() takes transformers 5's chat_template.jinja when tokenizer_config.json has none", async () => {
  const said: string[] = [];
  const dir = await folder({ "tokenizer_config.json": withoutTemplate, "chat_template.jinja": marked });
  const text = await loadFolderTextPipeline(dir, builtIn, (l) => said.push(l));
  assert(
    text.renderPrompt("How many?").startsWith("FOLDER-TEMPLATE <|im_start|>user"),
    text.renderPrompt("How many?"),
  );
  // The folder's tokenizer gives the real ids: <think> and <|image_pad|> as single tokens.
  assertEquals(text.encode("<think>"), [151667]);
  assertEquals(text.ids.imagePad, 151655);
  assertEquals(said, [
    `${dir} has no preprocessor_config.json: the built-in Qwen2-VL image processor is used`,
  ]);
});

Deno.test("loadFolderTextPipeline() takes chat_template.json, and tokenizer_config.json's template first", async () => {
  const json = await folder({
    "tokenizer_config.json": withoutTemplate,
    "chat_template.json": JSON.stringify({ chat_template: marked }),
  });
  const a = await loadFolderTextPipeline(json, builtIn, () => {});
  assert(a.renderPrompt("q").startsWith("FOLDER-TEMPLATE "));
  const both = await folder({ "chat_template.jinja": marked });
  const b = await loadFolderTextPipeline(both, builtIn, () => {});
  assert(b.renderPrompt("q").startsWith("<|im_start|>user"), b.renderPrompt("q"));
});

Deno.test("loadFolderTextPipeline() uses the folder's preprocessor_config.json: other mean and std, other patches", async () => {
  const processor = JSON.parse(await Deno.readTextFile(`${BUILT_IN}preprocessor_config.json`));
  const dir = await folder({
    "preprocessor_config.json": JSON.stringify({ ...processor, image_mean: [0, 0, 0], image_std: [1, 1, 1] }),
  });
  const ours = await loadFolderTextPipeline(dir, builtIn, () => {});
  const base = await loadTextPipeline(builtIn);
  const pixels = new Uint8Array(56 * 56 * 3).map((_, i) => (i * 7) % 256);
  const image = { width: 56, height: 56, pixels };
  const [a, b] = [
    await ours.encodePrompt({ image, prompt: "q" }, { imageSize: 56 }),
    await base.encodePrompt({ image, prompt: "q" }, { imageSize: 56 }),
  ];
  // mean 0, std 1: a patch value is the pixel / 255 itself (every value in [0, 1]); the built-in normalises.
  assert(a.patches.every((x) => x >= 0 && x <= 1), "folder processor: values outside [0, 1]");
  assert(b.patches.some((x) => x < 0), "built-in processor: no negative values");
  assertEquals(a.inputIds, b.inputIds);
});

Deno.test("loadFolderTextPipeline() on a folder with no text files uses the built-in ones and says so once", async () => {
  const said: string[] = [];
  const dir = await folder({ "tokenizer.json": null, "tokenizer_config.json": null });
  const text = await loadFolderTextPipeline(dir, builtIn, (l) => said.push(l));
  assertEquals(text.encode("<think>"), [151667]);
  assertEquals(said, [
    `${dir} has no tokenizer or preprocessor_config.json: the built-in Qwen tokenizer and image processor are used`,
  ]);
});
