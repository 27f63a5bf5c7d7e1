/** decodeImage() under Deno (sharp): PNG, JPEG, RGBA and grey images all come back as RGB; bad bytes are named. */
import sharp from "sharp";
import { decodeImage } from "../../../../core/data/datasets/images.ts";
import { assert, assertEquals, assertRejects } from "../../../assert.ts";
import { countSample, encodePng } from "./fixtures.ts";

const image = countSample(0).image;

Deno.test("decodeImage() reads the lab's PNG back to the same pixels", async () => {
  const decoded = await decodeImage(await encodePng(image), "a.png");
  assertEquals([decoded.width, decoded.height], [112, 112]);
  assertEquals(decoded.pixels, image.pixels);
});

Deno.test("decodeImage() reads JPEG, RGBA and grey images as three-channel RGB", async () => {
  const raw = { raw: { width: 112, height: 112, channels: 3 as const } };
  const jpeg = await sharp(image.pixels, raw).jpeg({ quality: 95 }).toBuffer();
  const fromJpeg = await decodeImage(new Uint8Array(jpeg), "a.jpg");
  assertEquals([fromJpeg.width, fromJpeg.height, fromJpeg.pixels.length], [112, 112, 112 * 112 * 3]);
  let diff = 0;
  for (let i = 0; i < image.pixels.length; i++) diff += Math.abs(fromJpeg.pixels[i] - image.pixels[i]);
  assert(diff / image.pixels.length < 4, `JPEG mean absolute error ${diff / image.pixels.length}`);

  const rgba = new Uint8Array(112 * 112 * 4).map((
    _,
    i,
  ) => (i % 4 === 3 ? 128 : image.pixels[(i >> 2) * 3 + (i % 4)]));
  const rgbaPng = await sharp(rgba, { raw: { width: 112, height: 112, channels: 4 } }).png().toBuffer();
  assertEquals((await decodeImage(new Uint8Array(rgbaPng), "rgba.png")).pixels, image.pixels); // alpha dropped

  const grey = new Uint8Array(8 * 4).map((_, i) => i * 8);
  const greyPng = await sharp(grey, { raw: { width: 8, height: 4, channels: 1 } }).png().toBuffer();
  const fromGrey = await decodeImage(new Uint8Array(greyPng), "grey.png");
  assertEquals(fromGrey.pixels.slice(0, 9), new Uint8Array([0, 0, 0, 8, 8, 8, 16, 16, 16]));
});

Deno.test("decodeImage() names the image and the decoder's reason for bad bytes", async () => {
  const png = await encodePng(image);
  await assertRejects(() => decodeImage(new Uint8Array(0), "e.png"), Error, "image e.png is empty (0 bytes)");
  await assertRejects(
    () => decodeImage(new TextEncoder().encode("not an image"), "t.png"),
    Error,
    "image t.png cannot be decoded: Input buffer contains unsupported image format",
  );
  await assertRejects(
    () => decodeImage(png.subarray(0, png.length - 40), "cut.png"),
    Error,
    "image cut.png cannot be decoded: ",
  );
});
