/**
 * Image–text similarity from a CLIP model that Transformers.js loads from a local folder, for the
 * explanation reward. The score is CLIPScore (Hessel et al., "CLIPScore: A Reference-free Evaluation
 * Metric for Image Captioning", EMNLP 2021) capped at 1:
 *
 *   s = min(1, 2.5 · max(0, cos(E_image, E_text)))
 *
 * CLIP's cosines between an image and a fitting caption sit around 0.2–0.4, so (1 + cos) / 2 would squeeze
 * every answer into about [0.6, 0.7]; CLIPScore's w = 2.5 spreads them over [0, 1].
 *
 * The folder holds a Transformers.js CLIP export (e.g. Xenova/clip-vit-base-patch32): config.json,
 * tokenizer.json, tokenizer_config.json, preprocessor_config.json, onnx/text_model.onnx and
 * onnx/vision_model.onnx. Nothing is fetched from the network (env.allowRemoteModels = false,
 * local_files_only), as in core/text/pipeline.ts.
 */
import type { RgbImage } from "../data/sample.ts";

/** CLIPScore's rescaling weight w. */
export const CLIPSCORE_W = 2.5;

/** cos(a, b); 0 when either vector is all zeros (no direction), where the formula would give 0/0. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`cosine(): lengths ${a.length} and ${b.length} differ`);
  let dot = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? dot / Math.sqrt(aa * bb) : 0;
}

/** A cosine in [−1, 1] to [0, 1]: min(1, 2.5 · max(0, cos)). A NaN cosine is an error, never a score. */
export function clipScore(cos: number): number {
  if (Number.isNaN(cos)) throw new Error("clipScore(): the cosine is NaN");
  return Math.min(1, CLIPSCORE_W * Math.max(0, cos));
}

/** Scores an image against a text with one loaded CLIP model. */
export interface ClipModel {
  /** The CLIPScore above, in [0, 1]. */
  similarity(image: RgbImage, text: string): Promise<number>;
}

// One load per folder per thread: models are large and every completion of a group asks for the same one.
const loaded = new Map<string, Promise<ClipModel>>();

/**
 * The CLIP model in `folder` (a file path, relative to the working directory, or a file: URL in Deno; a
 * path on the page's origin in the browser). A missing or unreadable folder is an error naming it.
 */
export function loadClip(folder: string): Promise<ClipModel> {
  let model = loaded.get(folder);
  if (!model) {
    model = openClip(folder).catch((e) => {
      loaded.delete(folder); // a folder fixed later is read again
      throw new Error(`explanation: cannot load the CLIP model from "${folder}": ${(e as Error).message}`);
    });
    loaded.set(folder, model);
  }
  return model;
}

/** The folder as Transformers.js should be given it: an absolute path, which it reads as a local path. */
function resolveFolder(folder: string): string {
  if ("Deno" in globalThis) {
    const url = folder.startsWith("file:") ? new URL(folder) : new URL(folder, `file://${Deno.cwd()}/`);
    return decodeURIComponent(url.pathname).replace(/\/+$/, "");
  }
  // In the browser a full http URL would count as a remote model; a path on the origin is fetched locally.
  return new URL(folder, globalThis.location?.href).pathname.replace(/\/+$/, "");
}

/** The files the folder must hold; the ONNX files may carry a dtype suffix (text_model_quantized.onnx). */
const CLIP_FILES = ["config.json", "tokenizer.json", "tokenizer_config.json", "preprocessor_config.json"];
const CLIP_ONNX = ["text_model", "vision_model"];

/**
 * Fails with the path and what is missing, rather than inside Transformers.js with "Cannot read
 * properties of undefined" (its answer to a missing tokenizer_config.json).
 */
async function checkClipFolder(path: string): Promise<void> {
  const info = await Deno.stat(path).catch(() => null);
  if (!info?.isDirectory) throw new Error(`${path} is not a folder`);
  const missing = [];
  for (const file of CLIP_FILES) {
    if (!(await Deno.stat(`${path}/${file}`).catch(() => null))?.isFile) missing.push(file);
  }
  const onnx = await Array.fromAsync(Deno.readDir(`${path}/onnx`)).catch(() => []);
  for (const stem of CLIP_ONNX) {
    if (!onnx.some((e) => e.name.startsWith(stem) && e.name.endsWith(".onnx"))) {
      missing.push(`onnx/${stem}.onnx`);
    }
  }
  if (missing.length > 0) throw new Error(`${path} lacks ${missing.join(", ")}`);
  try {
    JSON.parse(await Deno.readTextFile(`${path}/config.json`));
  } catch (e) {
    throw new Error(`${path}/config.json is not JSON: ${(e as Error).message}`);
  }
}

async function openClip(folder: string): Promise<ClipModel> {
  const path = resolveFolder(folder);
  if ("Deno" in globalThis) await checkClipFolder(path);
  // Loaded on first use only, so that the reward library does not pull in Transformers.js for CIDEr alone.
  const tf = await import("@huggingface/transformers");
  tf.env.allowRemoteModels = false;
  tf.env.allowLocalModels = true;
  const local = { local_files_only: true };
  const [tokenizer, processor, textModel, visionModel] = await Promise.all([
    tf.AutoTokenizer.from_pretrained(path, local),
    tf.AutoImageProcessor.from_pretrained(path, local),
    tf.CLIPTextModelWithProjection.from_pretrained(path, local),
    tf.CLIPVisionModelWithProjection.from_pretrained(path, local),
  ]);
  // The G completions of a group share one image: embed it once (keyed by the pixel buffer, so a copy made
  // by a worker message is embedded again, which is only slower).
  const imageEmbeddings = new WeakMap<Uint8Array, Promise<Float32Array>>();
  const embedImage = (image: RgbImage): Promise<Float32Array> => {
    const known = imageEmbeddings.get(image.pixels);
    if (known) return known;
    const embedding = (async () => {
      const inputs = await processor(new tf.RawImage(image.pixels, image.width, image.height, 3));
      const { image_embeds } = await visionModel(inputs);
      return Float32Array.from(image_embeds.data as Float32Array);
    })();
    imageEmbeddings.set(image.pixels, embedding);
    return embedding;
  };
  return {
    async similarity(image, text) {
      // CLIP reads at most 77 tokens; a longer explanation is cut there.
      const inputs = tokenizer([text], { padding: true, truncation: true });
      const [{ text_embeds }, imageEmbedding] = await Promise.all([textModel(inputs), embedImage(image)]);
      return clipScore(cosine(imageEmbedding, text_embeds.data as Float32Array));
    },
  };
}
