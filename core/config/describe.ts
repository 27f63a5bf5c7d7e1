import type { Field } from "./field.ts";
import { maxOf } from "../extremes.ts";
import { ALIASES, type FieldName, FIELDS } from "./fields.ts";
import { describeType } from "./parse.ts";

/** The field table as text for --help: name, type, default, symbol and doc, one field per line. */
export function describeConfig(): string {
  const rows = (Object.keys(FIELDS) as FieldName[]).map((name) => {
    const field: Field<unknown> = FIELDS[name];
    // Lists as typed after key=, except the empty list, which "[]" shows more plainly than "".
    const list = Array.isArray(field.default) ? field.default : undefined;
    const shown = list ? (list.length === 0 ? "[]" : list.join(",")) : String(field.default);
    const symbol = field.symbol ? ` (${field.symbol})` : "";
    return [name, `default ${shown === "" ? '""' : shown}`, `${field.doc}${symbol}; ${describeType(field)}`];
  });
  const w0 = maxOf(rows.map((r) => r[0].length));
  const w1 = maxOf(rows.map((r) => r[1].length));
  const table = rows.map(([a, b, c]) => `  ${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`);
  const aliases = Object.entries(ALIASES).map(([from, to]) => `${from} -> ${to}`).join(", ");
  return [
    ...table,
    "",
    `Also accepted, with a note: ${aliases}.`,
    "Any other key <name>_reward_weight=W or <name>_weight=W sets the weight of reward <name> (one of " +
    "reward_funcs), over reward_weights.",
  ].join("\n");
}
