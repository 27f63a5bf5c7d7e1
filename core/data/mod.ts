export type { Box, RgbImage, Sample } from "./sample.ts";
export type { Task, TaskTexts } from "./task.ts";
export * from "./image.ts";
export * from "./scene.ts";
export * from "./phrases.ts";
export * from "./registry.ts";
export { MAX_COUNT } from "./tasks/count.ts";
export { scaleBoxOut, TINY_IMAGE_SIZE, TINY_RADIUS, TINY_VIEW_SIZE } from "./tasks/tiny.ts";
