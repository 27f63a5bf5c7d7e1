/** Qwen2VLModel <-> safetensors bytes, with HF parameter names. */
import type { Qwen2VLConfig } from "./config.ts";
import { Qwen2VLModel } from "./model.ts";
import { readSafetensors, type SafeTensor, writeSafetensors } from "../safetensors.ts";

/** All parameters as F32 safetensors, in checkpoint order. Async: reads back from the GPU with data(). */
export async function modelToSafetensors(
  model: Qwen2VLModel,
  metadata: Record<string, string> = {},
): Promise<Uint8Array> {
  const tensors = new Map<string, SafeTensor>();
  for (const [name, v] of model.params) {
    tensors.set(name, { shape: v.shape, data: (await v.data()) as Float32Array });
  }
  return writeSafetensors(tensors, { format: "pt", ...metadata });
}

/** A model from safetensors bytes (F32, F16 or BF16); names and shapes must match the config exactly. */
export function modelFromSafetensors(config: Qwen2VLConfig, bytes: Uint8Array): Qwen2VLModel {
  return Qwen2VLModel.fromTensors(config, readSafetensors(bytes).tensors);
}
