export * from "./field.ts";
export * from "./fields.ts";
export * from "./parse.ts";
export * from "./describe.ts";
