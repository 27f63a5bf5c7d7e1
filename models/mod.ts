export * from "./qwen2_vl/mod.ts";
export * from "./safetensors.ts";
export * from "./files.ts";
