/**
 * The lab's settings as the JSON config `deno task train --config FILE` reads: resolved with the same
 * parseConfig (defaults < public/configs/default.json < the page's settings), exported with every key so
 * that the file means the same run whatever the base it is read over.
 */
import { FIELDS, type RunConfig } from "../../core/config/fields.ts";
import { type ConfigLayer, parseConfig } from "../../core/config/parse.ts";

/** Where the page's default run comes from (the file `deno task train` starts from). */
export const DEFAULT_CONFIG_SOURCE = "configs/default.json";

/** The shipped checkpoint, as a config names it. */
export const SHIPPED_CHECKPOINT = "public/checkpoints/tiny-sft";

/** The config over the default run's values; a bad key or value throws a ConfigError naming it and its source. */
export function resolveConfig(
  defaults: Record<string, unknown>,
  ...layers: ConfigLayer[]
): RunConfig {
  return parseConfig([{ source: DEFAULT_CONFIG_SOURCE, values: defaults }, ...layers]).config;
}

/** Parses a config file's text: a JSON object, else an error that names the file. */
export function readConfigText(text: string, source: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${source}: not valid JSON (${e instanceof Error ? e.message : e})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${source}: a config must be a JSON object of settings, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Every field except `out` (a run folder is the command's choice), in the field table's order. */
export function exportConfig(config: RunConfig): string {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(FIELDS) as (keyof RunConfig)[]) {
    if (key !== "out") out[key] = config[key];
  }
  return JSON.stringify(out, null, 2) + "\n";
}
