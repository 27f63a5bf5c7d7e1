import { assert, assertAlmostEquals, assertEquals, assertRejects } from "../../assert.ts";
import type { RgbImage } from "../../../core/data/sample.ts";
import { imageTokenCount, loadTextPipeline, PATCH_DIM } from "../../../core/text/mod.ts";

const pipeline = await loadTextPipeline({ modelBase: new URL("../../../public/models/", import.meta.url) });

const QUESTION = "How many red circles are there?";

/** A fixed 112x112 test card: channel c of pixel (x, y) is (3x + 5y + 70c) mod 256. */
function testCard(size = 112): RgbImage {
  const pixels = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) pixels[(y * size + x) * 3 + c] = (3 * x + 5 * y + 70 * c) % 256;
    }
  }
  return { width: size, height: size, pixels };
}

Deno.test("renderPrompt() puts the image placeholder before the question in a user turn, no system turn", () => {
  assertEquals(
    pipeline.renderPrompt(QUESTION),
    "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>How many red circles are there?<|im_end|>\n" +
      "<|im_start|>assistant\n",
  );
});

Deno.test("encode() gives the exact Qwen ids of a fixed chat prompt", () => {
  // From tokenizer.json: added_tokens 151644 <|im_start|>, 151645 <|im_end|>, 151652 <|vision_start|>,
  // 151655 <|image_pad|>, 151653 <|vision_end|>; model.vocab "user" 872, "Ċ" (the byte-level "\n") 198,
  // "How" 4340, "Ġmany" 1657, "Ġred" 2518 (Ġ marks a leading space), "Ġcircles" 25362, "Ġare" 525,
  // "Ġthere" 1052, "?" 30, "assistant" 77091.
  assertEquals(
    pipeline.encode(pipeline.renderPrompt(QUESTION)),
    [
      151644,
      872,
      198,
      151652,
      151655,
      151653,
      4340,
      1657,
      2518,
      25362,
      525,
      1052,
      30,
      151645,
      198,
      151644,
      77091,
      198,
    ],
  );
});

Deno.test("ids holds the Qwen special token ids", () => {
  const { imStart, imEnd, endOfText, pad, visionStart, visionEnd, imagePad, thinkOpen, thinkClose, newline } =
    pipeline.ids;
  assertEquals(
    [imStart, imEnd, endOfText, pad, visionStart, visionEnd, imagePad, thinkOpen, thinkClose, newline],
    [151644, 151645, 151643, 151643, 151652, 151653, 151655, 151667, 151668, 198],
  );
});

Deno.test("encodePrompt() expands the image to 16 <|image_pad|> tokens for a 112x112 image", async () => {
  const inputs = await pipeline.encodePrompt({ image: testCard(), prompt: QUESTION }, { imageSize: 112 });
  const pads = new Array(16).fill(151655);
  assertEquals(inputs.inputIds, [
    151644,
    872,
    198,
    151652,
    ...pads,
    151653,
    4340,
    1657,
    2518,
    25362,
    525,
    1052,
    30,
    151645,
    198,
    151644,
    77091,
    198,
  ]);
  assertEquals(imageTokenCount(112), 16);
});

Deno.test("encodePrompt() gives patches [64, 1176] with grid [1, 8, 8] and hand-computed values", async () => {
  const inputs = await pipeline.encodePrompt({ image: testCard(), prompt: QUESTION }, { imageSize: 112 });
  assertEquals(inputs.patchCount, 64);
  assertEquals(inputs.gridThw, [1, 8, 8]);
  assertEquals(inputs.patches.length, 64 * PATCH_DIM);
  assertEquals(PATCH_DIM, 1176);
  const mean = [0.48145466, 0.4578275, 0.40821073], std = [0.26862954, 0.26130258, 0.27577711];
  // Patch row 3, column 5 of the 8x8 grid. Qwen2-VL orders patches by 2x2 merge block, then within the
  // block: index = ((blockRow * 4 + blockCol) * 2 + rowInBlock) * 2 + colInBlock = ((1*4+2)*2+1)*2+1 = 27.
  // Inside a patch: channel, then the 2 identical frames, then 14x14 pixels row-major.
  const patch = 27, row = 3, col = 5;
  for (const [c, t, py, px] of [[0, 0, 0, 0], [1, 1, 4, 9], [2, 0, 13, 13], [2, 1, 7, 2]]) {
    const x = col * 14 + px, y = row * 14 + py;
    const byte = (3 * x + 5 * y + 70 * c) % 256;
    const expected = (byte / 255 - mean[c]) / std[c];
    const got = inputs.patches[patch * 1176 + c * 392 + t * 196 + py * 14 + px];
    assertAlmostEquals(got, expected, 1e-5, `c=${c} t=${t} py=${py} px=${px}`);
  }
  // Pixel (70, 42) channel 0 by hand: (210 + 210) mod 256 = 164; 164/255 = 0.6431373;
  // (0.6431373 - 0.4814547) / 0.2686295 = 0.601880.
  assertAlmostEquals(inputs.patches[patch * 1176], 0.601880, 1e-5);
});

Deno.test("encodePrompt() area-resizes a 448x448 image to the 112x112 input", async () => {
  const big = testCard(448);
  const inputs = await pipeline.encodePrompt({ image: big, prompt: QUESTION }, { imageSize: 112 });
  assertEquals([inputs.patchCount, ...inputs.gridThw], [64, 1, 8, 8]);
  assertEquals(inputs.inputIds.filter((id) => id === pipeline.ids.imagePad).length, 16);
  // Output pixel (0, 0) channel 0 is the mean of the 4x4 block: 3x + 5y over x, y in 0..3 = 4.5 + 7.5 = 12.
  assertAlmostEquals(inputs.patches[0], (12 / 255 - 0.48145466) / 0.26862954, 1e-5);
});

Deno.test("encodePrompt() rejects an input size that is not a multiple of 28", async () => {
  let message = "";
  try {
    await pipeline.encodePrompt({ image: testCard(), prompt: QUESTION }, { imageSize: 100 });
  } catch (e) {
    message = (e as Error).message;
  }
  assert(message.includes("multiple of 28"), message);
});

Deno.test("encodeCompletion() ends with <|im_end|> only when asked, and decode() inverts it", () => {
  const text = "<think>I see 2 red circles.</think><answer>2</answer>";
  const ids = pipeline.encodeCompletion(text);
  // <think> 151667, </think> 151668 are single tokens; "<answer>" is "<" 27, "answer" 9217, ">" 29.
  assertEquals(ids[0], 151667);
  assertEquals(ids.slice(ids.indexOf(151668) + 1, ids.indexOf(151668) + 4), [27, 9217, 29]);
  assertEquals(pipeline.encodeCompletion(text, { end: true }), [...ids, 151645]);
  assertEquals(pipeline.decode(pipeline.encodeCompletion(text, { end: true })), `${text}<|im_end|>`);
  // <think> and </think> are added tokens but not special ones in Qwen's tokenizer: skipping keeps them.
  assertEquals(pipeline.decode([...ids, 151645], { skipSpecialTokens: true }), text);
});

Deno.test("loadTextPipeline() names the missing file when the model folder is wrong", async () => {
  const base = new URL("../../../public/no-such-folder/", import.meta.url);
  await assertRejects(
    () => loadTextPipeline({ modelBase: base }),
    Error,
    "no-such-folder/qwen/tokenizer.json",
  );
});
