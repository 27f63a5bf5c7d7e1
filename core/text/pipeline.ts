/**
 * The text side of the model: the real Qwen tokenizer and chat template, and the image processor,
 * loaded by Transformers.js from local files only (public/models/qwen/ in this repository).
 */
import { AutoImageProcessor, AutoTokenizer, env } from "@huggingface/transformers";
import type { Sample } from "../data/sample.ts";
import { imagePatches, imageTokenCount } from "./image_inputs.ts";
import { IMAGE_PLACEHOLDER, lookupSpecialIds, type SpecialIds } from "./special_tokens.ts";
import type { ImageProcessor, PromptInputs, Tokenizer } from "./types.ts";

export interface TextPipelineOptions {
  /**
   * The folder that holds the model folder: a file path or file: URL in Deno, a URL (e.g. "/models/")
   * in the browser. In this repository: public/models/.
   */
  modelBase: string | URL;
  /** The model folder under modelBase with tokenizer.json, tokenizer_config.json and preprocessor_config.json. Default "qwen". */
  model?: string;
}

/**
 * A file: URL becomes a path (Transformers.js reads the file system there); an http(s) URL becomes its
 * path on the page's origin, since Transformers.js treats an absolute http URL as a remote model (refused
 * with allowRemoteModels = false); anything else stays as is.
 */
function localModelPath(base: string | URL): string {
  const url = typeof base === "string" ? null : base;
  const path = url?.protocol === "file:"
    ? decodeURIComponent(url.pathname)
    : url && /^https?:$/.test(url.protocol)
    ? url.pathname
    : String(base);
  return path.endsWith("/") ? path : `${path}/`;
}

export class TextPipeline {
  readonly tokenizer: Tokenizer;
  readonly imageProcessor: ImageProcessor;
  readonly ids: SpecialIds;

  constructor(tokenizer: Tokenizer, imageProcessor: ImageProcessor) {
    this.tokenizer = tokenizer;
    this.imageProcessor = imageProcessor;
    this.ids = lookupSpecialIds(tokenizer);
  }

  /**
   * The chat prompt for one question about one image, as Qwen2-VL lays it out: a user turn whose content
   * is the image placeholder then the question, then the assistant's turn opened. No system message.
   */
  renderPrompt(question: string): string {
    const messages = [{ role: "user", content: IMAGE_PLACEHOLDER + question }];
    return this.tokenizer.apply_chat_template(messages, {
      tokenize: false,
      add_generation_prompt: true,
    }) as string;
  }

  /** The chat prompt for a user turn of text only (no image), the assistant's turn opened. */
  renderTextPrompt(content: string): string {
    return this.tokenizer.apply_chat_template([{ role: "user", content }], {
      tokenize: false,
      add_generation_prompt: true,
    }) as string;
  }

  /** Model inputs for a text-only prompt: no image tokens, no patches. */
  encodeTextPrompt(content: string): PromptInputs {
    return {
      inputIds: this.encode(this.renderTextPrompt(content)),
      patches: new Float32Array(0),
      patchCount: 0,
      gridThw: [0, 0, 0],
    };
  }

  /** Token ids of `text`, special tokens such as <think> recognised, nothing added. */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false });
  }

  /**
   * The model inputs for a sample: prompt ids with the image expanded to N x <|image_pad|> (N = t*h*w/4)
   * and the image's patches after resizing it to imageSize x imageSize.
   */
  async encodePrompt(
    sample: Pick<Sample, "image" | "prompt">,
    opts: { imageSize: number },
  ): Promise<PromptInputs> {
    const image = await imagePatches(this.imageProcessor, sample.image, opts.imageSize);
    const ids = this.encode(this.renderPrompt(sample.prompt));
    const at = ids.indexOf(this.ids.imagePad);
    if (at < 0 || ids.indexOf(this.ids.imagePad, at + 1) >= 0) {
      throw new Error(`encodePrompt(): the prompt must hold exactly one image placeholder: ${sample.prompt}`);
    }
    const n = imageTokenCount(opts.imageSize);
    const inputIds = [
      ...ids.slice(0, at),
      ...new Array<number>(n).fill(this.ids.imagePad),
      ...ids.slice(at + 1),
    ];
    return { inputIds, ...image };
  }

  /** Token ids of a completion; with end: true followed by <|im_end|>, as a finished turn is. */
  encodeCompletion(text: string, opts: { end?: boolean } = {}): number[] {
    const ids = this.encode(text);
    return opts.end ? [...ids, this.ids.imEnd] : ids;
  }

  /** Text of `ids`. skipSpecialTokens drops <|im_end|> and the like but keeps <think> (not special in Qwen). */
  decode(ids: readonly number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: opts.skipSpecialTokens ?? false });
  }
}

/**
 * Loads the tokenizer and image processor from `modelBase`/`model`/ with remote models disabled, so no
 * request leaves the machine (or, in a browser, the page's origin). Sets Transformers.js' global env.
 */
export async function loadTextPipeline(options: TextPipelineOptions): Promise<TextPipeline> {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = localModelPath(options.modelBase);
  const model = options.model ?? "qwen";
  await checkModelFiles(options.modelBase, model);
  const [tokenizer, imageProcessor] = await Promise.all([
    AutoTokenizer.from_pretrained(model),
    AutoImageProcessor.from_pretrained(model),
  ]);
  return new TextPipeline(tokenizer, imageProcessor);
}

/** The files loadTextPipeline reads from the model folder. */
export const MODEL_FILES = ["tokenizer.json", "tokenizer_config.json", "preprocessor_config.json"] as const;

/**
 * Fails with the file's address when a model file is missing, instead of Transformers.js' "Cannot read
 * properties of undefined". A dev server that answers a missing file with its index page (Vite does,
 * with status 200) is caught by the HTML content type.
 */
async function checkModelFiles(base: string | URL, model: string): Promise<void> {
  const folder = folderUrl(base, model);
  if (!folder) return; // a relative file path: Transformers.js reports it
  for (const file of MODEL_FILES) {
    const url = new URL(file, folder);
    let response: Response;
    try {
      response = await fetch(url);
    } catch (e) {
      throw new Error(`model file ${url.href} cannot be read: ${(e as Error).message}`);
    }
    await response.body?.cancel();
    if (!response.ok) throw new Error(`model file ${url.href} is missing (HTTP ${response.status})`);
    if (response.headers.get("content-type")?.includes("text/html")) {
      throw new Error(`model file ${url.href} is missing: the server answered with an HTML page`);
    }
  }
}

/** The model folder as a URL, or undefined for a relative file path. */
function folderUrl(base: string | URL, model: string): URL | undefined {
  const text = typeof base === "string" ? base : base.href;
  const withSlash = text.endsWith("/") ? text : `${text}/`;
  if (/^[a-z][a-z0-9+.-]*:/i.test(withSlash)) return new URL(`${model}/`, withSlash);
  if (withSlash.startsWith("/")) {
    const origin = globalThis.location?.origin;
    return new URL(`${model}/`, origin && origin !== "null" ? origin + withSlash : `file://${withSlash}`);
  }
  return undefined;
}

/** The files a model folder may carry for its text side, each used when present. */
export const FOLDER_TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json"] as const;
export const FOLDER_PROCESSOR_FILE = "preprocessor_config.json";
export const FOLDER_CHAT_TEMPLATES = ["chat_template.jinja", "chat_template.json"] as const;

/** Whether the folder has the file, without reading it (Transformers.js reads it once, after). */
async function folderHas(folder: string, name: string): Promise<boolean> {
  try {
    const response = await fetch(new URL(name, `file://${folder}/`));
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** A folder's file as text, or undefined when it is not there (read through fetch: no Deno-only API). */
async function folderText(folder: string, name: string): Promise<string | undefined> {
  const url = new URL(name, `file://${folder.endsWith("/") ? folder : folder + "/"}`);
  try {
    const response = await fetch(url);
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    return await response.text();
  } catch {
    return undefined;
  }
}

/**
 * The text side of a model folder (Deno): its own tokenizer (tokenizer.json + tokenizer_config.json),
 * chat template (tokenizer_config.json's, else chat_template.jinja, else chat_template.json's, as
 * transformers 5 saves it) and image processor (preprocessor_config.json, with its min_pixels and
 * max_pixels), each where the folder has it; the built-in one (`builtIn`) otherwise, said once in `say`.
 */
export async function loadFolderTextPipeline(
  folder: string,
  builtIn: TextPipelineOptions,
  say: (line: string) => void,
): Promise<TextPipeline> {
  const dir = folder.replace(/\/+$/, "");
  const ownTokenizer = (await Promise.all(FOLDER_TOKENIZER_FILES.map((f) => folderHas(dir, f)))).every(
    Boolean,
  );
  const ownProcessor = await folderHas(dir, FOLDER_PROCESSOR_FILE);
  // The built-in pipeline only when some part of it is used.
  let fallback: Promise<TextPipeline> | undefined;
  const builtInPart = () => fallback ??= loadTextPipeline(builtIn);
  if (!ownTokenizer && !ownProcessor) {
    say(
      `${dir} has no tokenizer or ${FOLDER_PROCESSOR_FILE}: the built-in Qwen tokenizer and image processor are used`,
    );
    return await builtInPart();
  }
  // Transformers.js joins localModelPath and the model id; an id of three or more path segments is not
  // found (tried: "tmp/a/model" fails where "tmp/a" loads), so the id is the folder's own name. Set before
  // each load: loadTextPipeline sets the global path to the built-in folder.
  const fromFolder = <T>(load: (id: string) => Promise<T>): Promise<T> => {
    const slash = dir.lastIndexOf("/");
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = dir.slice(0, slash + 1) || "./";
    return load(dir.slice(slash + 1));
  };
  let tokenizer: Tokenizer;
  if (ownTokenizer) {
    tokenizer = await fromFolder((id) => AutoTokenizer.from_pretrained(id));
    const t = tokenizer as Tokenizer & { chat_template?: unknown };
    if (!t.chat_template) {
      const jinja = await folderText(dir, FOLDER_CHAT_TEMPLATES[0]);
      const json = jinja === undefined ? await folderText(dir, FOLDER_CHAT_TEMPLATES[1]) : undefined;
      let template = jinja;
      if (json !== undefined) {
        try {
          template = (JSON.parse(json) as { chat_template?: string }).chat_template;
        } catch (e) {
          throw new Error(`${dir}/${FOLDER_CHAT_TEMPLATES[1]} is not valid JSON: ${(e as Error).message}`);
        }
      }
      if (template === undefined) {
        say(`${dir} has no chat template: the built-in Qwen chat template is used`);
        template = ((await builtInPart()).tokenizer as Tokenizer & { chat_template?: string }).chat_template;
      }
      t.chat_template = template;
    }
  } else {
    say(`${dir} has no ${FOLDER_TOKENIZER_FILES.join(" + ")}: the built-in Qwen tokenizer is used`);
    tokenizer = (await builtInPart()).tokenizer;
  }
  let imageProcessor: ImageProcessor;
  if (ownProcessor) imageProcessor = await fromFolder((id) => AutoImageProcessor.from_pretrained(id));
  else {
    say(`${dir} has no ${FOLDER_PROCESSOR_FILE}: the built-in Qwen2-VL image processor is used`);
    imageProcessor = (await builtInPart()).imageProcessor;
  }
  return new TextPipeline(tokenizer, imageProcessor);
}
