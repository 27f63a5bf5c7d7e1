/**
 * The shape of one config field, and small constructors that keep each table row to one call. The
 * RunConfig type is derived from the table (see fields.ts), so a new row is a new typed field.
 */

export type FieldType =
  | "number"
  | "int"
  | "string"
  | "boolean"
  | "enum"
  | "string-list"
  | "number-list"
  | "map";

/** An interval; absent ends are unbounded, `open` ends exclude the bound. */
export interface Range {
  min?: number;
  max?: number;
  minOpen?: boolean;
  maxOpen?: boolean;
}

export interface Field<T> {
  type: FieldType;
  default: T;
  /** One line for --help: what it does and, where it matters, what 0 or "" means. */
  doc: string;
  /** The paper's symbol, e.g. "η", "β", "G". */
  symbol?: string;
  /** Allowed numeric interval (number, int and number-list elements). */
  range?: Range;
  /** Allowed members of an enum. */
  values?: readonly string[];
  /** A map's key depth: 1 for `field.NAME`, 2 for `field.NAME.KEY`. */
  depth?: 1 | 2;
}

/** Extra per-field facts the constructors accept. */
export interface FieldOptions {
  symbol?: string;
  range?: Range;
}

export const num = (value: number, doc: string, opts: FieldOptions = {}): Field<number> => ({
  type: "number",
  default: value,
  doc,
  ...opts,
});

export const int = (value: number, doc: string, opts: FieldOptions = {}): Field<number> => ({
  type: "int",
  default: value,
  doc,
  ...opts,
});

export const str = (value: string, doc: string): Field<string> => ({ type: "string", default: value, doc });

export const bool = (value: boolean, doc: string): Field<boolean> => ({
  type: "boolean",
  default: value,
  doc,
});

export const enm = <const V extends readonly string[]>(
  values: V,
  value: V[number],
  doc: string,
): Field<V[number]> => ({ type: "enum", default: value, doc, values });

export const strList = (value: readonly string[], doc: string): Field<readonly string[]> => ({
  type: "string-list",
  default: value,
  doc,
});

export const numList = (
  value: readonly number[],
  doc: string,
  opts: FieldOptions = {},
): Field<readonly number[]> => ({ type: "number-list", default: value, doc, ...opts });

/**
 * A map set key by key: `custom_rewards.NAME=PATH` (depth 1) or `reward_options.NAME.KEY=VALUE` (depth
 * 2), from the command line or a nested JSON object. Its leaves stay as given (strings from the command
 * line); whoever owns the keys checks them (the rewards check their options).
 */
export const map = <T extends Record<string, unknown>>(depth: 1 | 2, doc: string): Field<Readonly<T>> => ({
  type: "map",
  default: Object.freeze({}) as T,
  doc,
  depth,
});

/** "[0, 1]", "(0, inf)", or "" for an unbounded field. */
export function formatRange(range: Range | undefined): string {
  if (!range || (range.min === undefined && range.max === undefined)) return "";
  const lo = range.min === undefined ? "(-inf" : `${range.minOpen ? "(" : "["}${range.min}`;
  const hi = range.max === undefined ? "inf)" : `${range.max}${range.maxOpen ? ")" : "]"}`;
  return `${lo}, ${hi}`;
}

export function inRange(x: number, range: Range | undefined): boolean {
  if (!range) return true;
  if (range.min !== undefined && (range.minOpen ? x <= range.min : x < range.min)) return false;
  if (range.max !== undefined && (range.maxOpen ? x >= range.max : x > range.max)) return false;
  return true;
}
