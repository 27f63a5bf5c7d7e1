/**
 * Image bytes (PNG, JPEG, WebP, GIF, ...) -> RgbImage. Under Deno (main thread and workers alike) sharp
 * decodes, the library Transformers.js itself uses there; in a browser, Transformers.js' RawImage
 * (createImageBitmap and a canvas). Inside a Deno worker RawImage takes the browser path and fails
 * (Deno has no 2-D canvas), so sharp is called directly. Alpha is dropped, grey becomes three channels.
 */
import { RawImage } from "@huggingface/transformers";
import type { RgbImage } from "../sample.ts";

/** In a variable, so that a browser bundler leaves the Deno-only import alone. */
const SHARP = "sharp";

interface SharpLike {
  (input: Uint8Array, options?: { failOn?: string }): {
    removeAlpha(): ReturnType<SharpLike>;
    toColourspace(space: string): ReturnType<SharpLike>;
    raw(): ReturnType<SharpLike>;
    toBuffer(options: { resolveWithObject: true }): Promise<
      { data: Uint8Array; info: { width: number; height: number; channels: number } }
    >;
  };
}

let sharpModule: Promise<SharpLike> | undefined;

async function decodeWithSharp(bytes: Uint8Array): Promise<RgbImage> {
  sharpModule ??= import(/* @vite-ignore */ SHARP).then((m) => (m.default ?? m) as SharpLike);
  const sharp = await sharpModule;
  // failOn "error": a truncated file is an error, not an image with grey rows at the bottom.
  const { data, info } = await sharp(bytes, { failOn: "error" }).removeAlpha().toColourspace("srgb").raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
  return {
    width: info.width,
    height: info.height,
    pixels: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

async function decodeWithRawImage(bytes: Uint8Array): Promise<RgbImage> {
  const raw = await RawImage.fromBlob(new Blob([bytes as Uint8Array<ArrayBuffer>]));
  const rgb = raw.channels === 3 ? raw : raw.rgb();
  const data = rgb.data;
  return {
    width: rgb.width,
    height: rgb.height,
    pixels: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

/** Decodes `bytes`; a failure names `name` and what the decoder said. */
export async function decodeImage(bytes: Uint8Array, name: string): Promise<RgbImage> {
  if (bytes.length === 0) throw new Error(`image ${name} is empty (0 bytes)`);
  let image: RgbImage;
  try {
    image = "Deno" in globalThis ? await decodeWithSharp(bytes) : await decodeWithRawImage(bytes);
  } catch (e) {
    throw new Error(`image ${name} cannot be decoded: ${messageOf(e)}`);
  }
  if (image.width <= 0 || image.height <= 0) throw new Error(`image ${name} has no pixels`);
  return image;
}

function messageOf(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).trim().replace(/:$/, "");
}
