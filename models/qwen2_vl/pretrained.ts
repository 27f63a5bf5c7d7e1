/**
 * loadPretrained(): a Hugging Face Qwen2-VL folder as transformers writes it, streamed tensor by tensor.
 *
 *   DIR/config.json                     flat (transformers 4.x) or nested text_config (5.x)
 *   DIR/model.safetensors               one file, or
 *   DIR/model.safetensors.index.json    {weight_map: {tensor: shard}} + DIR/model-0000N-of-0000M.safetensors
 *
 * Parameter names in either scheme: `model.layers.N...` / `visual...` (transformers' save format, and
 * before 4.52) or `model.language_model.layers.N...` / `model.visual...` (4.52+ in memory, some saves).
 * F32, F16 and BF16 become F32 per tensor. Only each file's header is read up front; each tensor is read
 * by its byte range, checked (finite), turned into a variable and dropped before the next, so the host
 * holds one tensor at a time. Every error names the file and, where there is one, the tensor.
 */
import type { Qwen2VLConfig } from "./config.ts";
import { configFromText } from "./configs.ts";
import { Qwen2VLModel } from "./model.ts";
import { parameterShapes } from "./params.ts";
import { blobFolder, diskFolder, type ModelFolder } from "../files.ts";
import { openSafetensors, type SafetensorsReader } from "../safetensors.ts";

export const SINGLE_FILE = "model.safetensors";
export const INDEX_FILE = "model.safetensors.index.json";

/** A folder path (Deno), the files of a picked folder by name (browser), or an opened folder. */
export type PretrainedSource = string | ReadonlyMap<string, Blob> | ModelFolder;

export interface Pretrained {
  model: Qwen2VLModel;
  config: Qwen2VLConfig;
  folder: ModelFolder;
  /** The safetensors files read, in order. */
  files: string[];
  /** "model.layers" (transformers' save format) or "model.language_model" (4.52+). */
  nameScheme: "model.layers" | "model.language_model";
  /** The dtypes the weights were stored in, e.g. ["BF16"]. */
  dtypes: string[];
  /** What loading had to say once: a tied checkpoint's extra lm_head.weight that was not used, ... */
  notes: string[];
}

/** Opens `source` as a folder. */
export async function openFolder(source: PretrainedSource): Promise<ModelFolder> {
  if (typeof source === "string") return await diskFolder(source);
  if (source instanceof Map) return blobFolder(source);
  return source as ModelFolder;
}

/** Checkpoint name -> the lab's (transformers' save format): model.language_model.X -> model.X, model.visual.X -> visual.X. */
export function canonicalName(name: string): string {
  if (name.startsWith("model.language_model.")) return `model.${name.slice("model.language_model.".length)}`;
  if (name.startsWith("model.visual.")) return name.slice("model.".length);
  return name;
}

/** Where each tensor is: shard file name by tensor name (as the checkpoint spells it). */
async function weightMap(folder: ModelFolder): Promise<Map<string, string>> {
  if (folder.has(INDEX_FILE)) {
    const where = `${folder.label}/${INDEX_FILE}`;
    let index: unknown;
    try {
      index = JSON.parse(await folder.text(INDEX_FILE));
    } catch (e) {
      throw new Error(`${where} is not valid JSON: ${(e as Error).message}`);
    }
    const map = (index as { weight_map?: unknown })?.weight_map;
    if (typeof map !== "object" || map === null || Array.isArray(map)) {
      throw new Error(`${where}: weight_map is missing or not an object of tensor -> file`);
    }
    const out = new Map<string, string>();
    for (const [name, file] of Object.entries(map)) {
      if (typeof file !== "string" || file.includes("/") || file.includes("\\")) {
        throw new Error(
          `${where}: weight_map["${name}"] is ${JSON.stringify(file)}, not a file name in the folder`,
        );
      }
      if (!folder.has(file)) {
        throw new Error(`${where}: shard ${file} (for tensor ${name}) is missing from ${folder.label}`);
      }
      out.set(name, file);
    }
    return out;
  }
  if (!folder.has(SINGLE_FILE)) {
    throw new Error(
      `${folder.label}/${SINGLE_FILE} is missing: ${folder.label} holds no ${SINGLE_FILE} and no ` +
        `${INDEX_FILE} (files: ${folder.names.join(", ") || "none"})`,
    );
  }
  return new Map([["", SINGLE_FILE]]);
}

/**
 * Reads the index (when there is one) and every shard's header, and nothing else: what a front end checks
 * before handing the folder to a worker, so a missing shard or a damaged header fails early, naming it.
 */
export async function checkShardHeaders(source: PretrainedSource): Promise<void> {
  const folder = await openFolder(source);
  for (const shard of new Set((await weightMap(folder)).values())) {
    (await openSafetensors(await folder.open(shard))).close();
  }
}

/** Loads a Qwen2-VL folder: config.json, then the weights one tensor at a time. */
export async function loadPretrained(source: PretrainedSource): Promise<Pretrained> {
  const folder = await openFolder(source);
  const configFile = `${folder.label}/config.json`;
  if (!folder.has("config.json")) throw new Error(`${configFile} is missing`);
  const config = configFromText(await folder.text("config.json"), configFile);
  const map = await weightMap(folder);
  const shardNames = [...new Set(map.values())].sort();
  const readers = new Map<string, SafetensorsReader>();
  const notes: string[] = [];
  try {
    for (const shard of shardNames) readers.set(shard, await openSafetensors(await folder.open(shard)));
    // Every tensor by its lab name, with the shard that holds it; the index must agree with the shards.
    const located = new Map<string, { shard: string; name: string }>();
    const indexed = !map.has("");
    for (const [shard, reader] of readers) {
      for (const name of reader.entries.keys()) {
        const listed = map.get(name);
        if (indexed) {
          if (listed === undefined) {
            throw new Error(`${folder.label}/${shard}: tensor ${name} is not in ${INDEX_FILE}'s weight_map`);
          }
          if (listed !== shard) {
            throw new Error(
              `${folder.label}/${shard}: tensor ${name} is here, but ${INDEX_FILE} puts it in ${listed}`,
            );
          }
        }
        const lab = canonicalName(name);
        const before = located.get(lab);
        if (before) {
          throw new Error(
            `${folder.label}/${shard}: tensor ${name} is also in ${before.shard} as ${before.name}`,
          );
        }
        located.set(lab, { shard, name });
      }
    }
    for (const [name, shard] of map) {
      if (name !== "" && !readers.get(shard)!.entries.has(name)) {
        throw new Error(`${folder.label}/${shard}: holds no tensor ${name}, which ${INDEX_FILE} puts there`);
      }
    }
    const shapes = parameterShapes(config);
    if (config.tie_word_embeddings && located.has("lm_head.weight") && !shapes.has("lm_head.weight")) {
      const at = located.get("lm_head.weight")!;
      notes.push(`${folder.label}/${at.shard}: lm_head.weight is not used (tie_word_embeddings is true)`);
      located.delete("lm_head.weight");
    }
    for (const [lab, at] of located) {
      if (!shapes.has(lab)) {
        throw new Error(
          `${folder.label}/${at.shard}: tensor ${at.name} is not a parameter of the model config.json describes ` +
            `(${config.num_hidden_layers} layers, vision depth ${config.vision_config.depth}, ` +
            `tie_word_embeddings ${config.tie_word_embeddings})`,
        );
      }
    }
    for (const lab of shapes.keys()) {
      if (!located.has(lab)) {
        throw new Error(
          `${folder.label}: no file holds ${lab}, which config.json's model needs (files: ${
            shardNames.join(", ")
          })`,
        );
      }
    }
    const names = new Set<string>();
    const dtypes = new Set<string>();
    for (const at of located.values()) {
      const entry = readers.get(at.shard)!.entries.get(at.name)!;
      dtypes.add(entry.dtype);
      names.add(at.name === canonicalName(at.name) ? "model.layers" : "model.language_model");
    }
    const model = await Qwen2VLModel.fromTensorStream(config, async (lab, shape) => {
      const at = located.get(lab)!;
      const file = `${folder.label}/${at.shard}`;
      const entry = readers.get(at.shard)!.entries.get(at.name)!;
      if (entry.shape.length !== shape.length || entry.shape.some((d, i) => d !== shape[i])) {
        throw new Error(
          `${file}: tensor ${at.name} has shape [${entry.shape}], but config.json's model needs [${shape}]`,
        );
      }
      const t = await readers.get(at.shard)!.read(at.name);
      const bad = firstNonFinite(t.data);
      if (bad >= 0) {
        throw new Error(
          `${file}: tensor ${at.name} holds ${t.data[bad]} at element ${bad}; the checkpoint is damaged`,
        );
      }
      return t;
    });
    return {
      model,
      config,
      folder,
      files: shardNames,
      nameScheme: names.has("model.language_model") ? "model.language_model" : "model.layers",
      dtypes: [...dtypes].sort(),
      notes,
    };
  } finally {
    for (const r of readers.values()) r.close();
  }
}

/** Index of the first NaN or infinity, or -1. */
function firstNonFinite(data: Float32Array): number {
  // x - x is 0 for every finite x, and NaN for NaN and ±Infinity: one test in the loop.
  for (let i = 0; i < data.length; i++) if (data[i] - data[i] !== 0) return i;
  return -1;
}
