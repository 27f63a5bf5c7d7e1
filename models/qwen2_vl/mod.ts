export * from "./config.ts";
export * from "./configs.ts";
export * from "./params.ts";
export * from "./rope_index.ts";
export * from "./kv_cache.ts";
export * from "./model.ts";
export * from "./checkpoint.ts";
export { visionRotaryTables } from "./vision.ts";
export { mropeCosSin } from "./mrope.ts";
