/**
 * The one command-line parser of every task:
 *   deno task NAME [--config FILE.json]... [key=value ...] [--out DIR] [--backend webgpu|wasm|cpu]
 *                  [--seed N] [--help]
 * plus what a command declares once in its CommandSpec: value flags mapped onto config keys (eval:
 * --checkpoint PATH --task count --n 200), value flags it reads itself (train --resume DIR, eval
 * --compare A B), switches (--overwrite) and one positional argument (data's PATH). --help lists them
 * all; an unknown flag is an error. parseArgs is pure and throws ConfigError; parseArgsOrExit prints and
 * exits (2 on an error).
 */
import {
  ConfigError,
  type ConfigLayer,
  describeConfig,
  type FieldName,
  nearest,
  parseConfig,
  type RunConfig,
} from "../../core/config/mod.ts";
import { firstDuplicateKey, withoutBom } from "../../core/config/json_keys.ts";

/** A value flag: `--n 200` or `--n=200` sets config key `key`. */
export interface FlagSpec {
  key: FieldName;
  /** Shown in --help; the field's own doc when absent. */
  doc?: string;
}

export interface CommandSpec {
  /** The task name, e.g. "train"; also names the default run folder. */
  name: string;
  /** One line for --help. */
  summary: string;
  /** Flags beyond the shared ones, e.g. {"--n": {key: "eval_n"}}. */
  flags?: Readonly<Record<string, FlagSpec>>;
  /** Flags without a value, each with its --help line, e.g. {"--overwrite": "replace ..."}. */
  switches?: Readonly<Record<string, string>>;
  /** Value flags the command reads itself, not config keys: {"--resume": {arg: "DIR", doc: "..."}}. */
  values?: Readonly<Record<string, ValueSpec>>;
  /** The one argument without a flag, set as config key `key` (data: PATH -> dataset). */
  positional?: { key: FieldName; arg: string; doc: string };
  /** Whether --out, --backend and --seed apply (default true). */
  sharedFlags?: boolean;
  /** Whether key=value settings and --config files apply (default true). */
  config?: boolean;
  /** --help text in place of the generated one (which lists every config key). */
  help?: () => string;
}

/** A value flag a command reads itself: `--resume DIR`; `count` values follow it (`--compare A B`: 2). */
export interface ValueSpec {
  arg: string;
  doc: string;
  count?: number;
}

export interface ArgsIo {
  /** Reads a --config file; throws if it cannot. */
  readTextFile(path: string): string;
  /** The time that names the default run folder. */
  now: Date;
}

export type ParsedArgs =
  | { kind: "help"; text: string }
  | {
    kind: "run";
    config: RunConfig;
    notes: string[];
    configFiles: string[];
    switches: Set<string>;
    /** The command's own value flags that were given, each with its values. */
    values: Map<string, string[]>;
  };

const SHARED_FLAGS: Readonly<Record<string, FlagSpec>> = {
  "--out": { key: "out" },
  "--backend": { key: "backend" },
  "--seed": { key: "seed" },
};

/** "runs/train-2026-11-24T10-30-05": relative to the working directory, no colons (Windows-safe). */
export function defaultOutDir(command: string, now: Date): string {
  const stamp = now.toISOString().slice(0, 19).replaceAll(":", "-");
  return `runs/${command}-${stamp}`;
}

/** Line and column of a JSON.parse error, from the engine's message; undefined when it gives none. */
export function jsonErrorLocation(
  text: string,
  message: string,
): { line: number; column: number } | undefined {
  const lineCol = /line (\d+) column (\d+)/.exec(message);
  if (lineCol) return { line: Number(lineCol[1]), column: Number(lineCol[2]) };
  const position = /at position (\d+)/.exec(message);
  const offset = position ? Number(position[1]) : /end of JSON input/.test(message) ? text.length : undefined;
  if (offset === undefined) return undefined;
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/**
 * Reads and parses one --config file into a layer; every failure names the file. A leading byte-order
 * mark is skipped (as in JSONL data); a key given twice is an error, since JSON.parse would keep the last.
 */
function readConfigFile(path: string, io: ArgsIo): ConfigLayer {
  let text: string;
  try {
    text = withoutBom(io.readTextFile(path));
  } catch (e) {
    throw new ConfigError(`cannot read config file ${path}: ${e instanceof Error ? e.message : e}`);
  }
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const at = jsonErrorLocation(text, message);
    const where = at ? `${path}:${at.line}:${at.column}` : path;
    const reason = message.replace(/ in JSON at position \d+.*$/, "");
    throw new ConfigError(`config file ${where} is not valid JSON: ${reason}`, undefined, path);
  }
  if (values === null || typeof values !== "object" || Array.isArray(values)) {
    throw new ConfigError(`config file ${path} must hold a JSON object of key: value pairs`, undefined, path);
  }
  const twice = firstDuplicateKey(text);
  if (twice !== undefined) {
    throw new ConfigError(
      `config file ${path}:${twice.line}: "${twice.path}" is given twice (lines ${twice.firstLine} and ` +
        `${twice.line}); JSON would keep only the last value, so give it once`,
      twice.path,
      path,
    );
  }
  return { source: path, values: values as Record<string, unknown> };
}

/** "--out", "-h": an argument that is a flag, so never the value of the flag before it ("-1" may be). */
const looksLikeFlag = (arg: string) => arg.startsWith("--") || arg === "-h";

/** --help text: usage, the command's flags, then every config key. */
export function helpText(spec: CommandSpec): string {
  if (spec.help) return spec.help();
  const positional = spec.positional ? ` ${spec.positional.arg}` : "";
  const configured = spec.config !== false;
  return [
    `deno task ${spec.name}: ${spec.summary}`,
    "",
    `usage: deno task ${spec.name}${positional} ${
      configured ? "[--config FILE.json]... [key=value ...] " : ""
    }` +
    "[flags] [--help]",
    ...(configured
      ? ["Later settings win: defaults < --config files (in order) < key=value and flags (in order)."]
      : []),
    "",
    "flags:",
    ...flagLines(spec),
    ...(configured ? ["", "config keys (key=value):", describeConfig()] : []),
  ].join("\n");
}

/** One --help line per flag the command takes (and its positional argument), in the parser's order. */
export function flagLines(spec: CommandSpec, width = 22): string[] {
  const line = (flag: string, doc: string) => `  ${flag.padEnd(width)} ${doc}`;
  return [
    ...(spec.positional
      ? [line(spec.positional.arg, `${spec.positional.doc} (sets ${spec.positional.key})`)]
      : []),
    ...(spec.config !== false
      ? [line("--config FILE.json", "read settings from a JSON object (may repeat)")]
      : []),
    ...Object.entries(valueFlags(spec)).map(([flag, f]) =>
      line(`${flag} VALUE`, `sets ${f.key}${f.doc ? `: ${f.doc}` : ""}`)
    ),
    ...Object.entries(spec.values ?? {}).map(([flag, v]) => line(`${flag} ${v.arg}`, v.doc)),
    ...Object.entries(spec.switches ?? {}).map(([flag, doc]) => line(flag, doc)),
    line("--help", "show this text"),
  ];
}

/** The value flags that set config keys: the shared ones (unless left out) and the command's. */
function valueFlags(spec: CommandSpec): Record<string, FlagSpec> {
  return { ...(spec.sharedFlags === false ? {} : SHARED_FLAGS), ...spec.flags };
}

/** Every flag the command knows, for "did you mean". */
function knownFlags(spec: CommandSpec): string[] {
  return [
    ...(spec.config !== false ? ["--config"] : []),
    "--help",
    ...Object.keys(valueFlags(spec)),
    ...Object.keys(spec.values ?? {}),
    ...Object.keys(spec.switches ?? {}),
  ];
}

/**
 * The `count` values after the flag at argv[i] (or its `=VALUE` when count is 1); throws when one is
 * missing or is itself a flag, as in `--seed --out DIR`.
 */
function takeValues(
  argv: readonly string[],
  i: number,
  flag: string,
  inline: string | undefined,
  count: number,
  arg = "VALUE",
) {
  if (inline !== undefined) {
    if (count !== 1) throw new ConfigError(`flag ${flag} takes ${count} values: ${flag} ${arg}`);
    return [inline];
  }
  const values = argv.slice(i + 1, i + 1 + count);
  const bad = values.findIndex(looksLikeFlag);
  if (bad >= 0) {
    throw new ConfigError(
      `flag ${flag} needs ${
        count === 1 ? "a value" : `${count} values`
      }, but the next argument is the flag ` +
        `${values[bad]} (write ${flag} VALUE, or ${flag}=VALUE for a value that starts with --)`,
    );
  }
  if (values.length < count) {
    throw new ConfigError(
      `flag ${flag} needs ${count === 1 ? "a value" : `${count} values: ${flag} ${arg}`}`,
    );
  }
  return values;
}

/** Parses argv into a RunConfig; throws ConfigError naming the argument, key or file at fault. */
export function parseArgs(argv: readonly string[], spec: CommandSpec, io: ArgsIo): ParsedArgs {
  const flags = valueFlags(spec);
  const configured = spec.config !== false;
  const configFiles: string[] = [];
  const commandLine: Record<string, unknown> = {};
  const switches = new Set<string>();
  const values = new Map<string, string[]>();
  const set = (key: string, value: unknown) => {
    // Re-inserted so that the order of the command line decides when a key is given twice.
    delete commandLine[key];
    commandLine[key] = value;
  };
  let positional: string | undefined;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return { kind: "help", text: helpText(spec) };
    if (arg.startsWith("-")) {
      const eq = arg.indexOf("=");
      const flag = eq < 0 ? arg : arg.slice(0, eq);
      const inline = eq < 0 ? undefined : arg.slice(eq + 1);
      if (spec.switches && Object.hasOwn(spec.switches, flag)) {
        if (inline !== undefined) throw new ConfigError(`flag ${flag} takes no value`);
        switches.add(flag);
        continue;
      }
      const own = spec.values && Object.hasOwn(spec.values, flag) ? spec.values[flag] : undefined;
      const known = own !== undefined || (configured && flag === "--config") || Object.hasOwn(flags, flag);
      if (!known) {
        const hint = nearest(flag, knownFlags(spec));
        throw new ConfigError(
          `unknown flag ${flag}${hint ? `. Did you mean ${hint}?` : ""} (--help lists the flags)`,
        );
      }
      const given = takeValues(argv, i, flag, inline, own?.count ?? 1, own?.arg);
      if (inline === undefined) i += given.length;
      if (own !== undefined) {
        if (values.has(flag)) throw new ConfigError(`flag ${flag} is given twice`);
        values.set(flag, given);
      } else if (flag === "--config") configFiles.push(given[0]);
      else set(flags[flag].key, given[0]);
      continue;
    }
    const eq = arg.indexOf("=");
    if (eq > 0 && configured) {
      set(arg.slice(0, eq), arg.slice(eq + 1));
      continue;
    }
    if (spec.positional && positional === undefined && eq < 0) {
      positional = arg;
      set(spec.positional.key, arg);
      continue;
    }
    const kinds = [...(configured ? ["key=value"] : []), ...(spec.positional ? [spec.positional.arg] : [])];
    const already = spec.positional && positional !== undefined
      ? ` (${spec.positional.arg} is already "${positional}")`
      : "";
    throw new ConfigError(`expected ${[...kinds, "a --flag"].join(" or ")}, got "${arg}"${already}`);
  }

  const layers: ConfigLayer[] = [
    { source: `the ${spec.name} command's default`, values: { out: defaultOutDir(spec.name, io.now) } },
    ...configFiles.map((path) => readConfigFile(path, io)),
    { source: "command line", values: commandLine },
  ];
  const { config, notes } = parseConfig(layers);
  return { kind: "run", config, notes, configFiles, switches, values };
}

/**
 * parseArgs for a Deno entry point: prints --help and exits 0, prints a ConfigError as "error: ..." and
 * exits 2, prints notes to stderr, and returns the config otherwise.
 */
export function parseArgsOrExit(spec: CommandSpec, argv: readonly string[] = Deno.args): {
  config: RunConfig;
  configFiles: string[];
  switches: Set<string>;
  values: Map<string, string[]>;
} {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(argv, spec, { readTextFile: (p) => Deno.readTextFileSync(p), now: new Date() });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(`error: ${e.message}`);
    Deno.exit(2);
  }
  if (parsed.kind === "help") {
    console.log(parsed.text);
    Deno.exit(0);
  }
  for (const note of parsed.notes) console.error(note);
  return {
    config: parsed.config,
    configFiles: parsed.configFiles,
    switches: parsed.switches,
    values: parsed.values,
  };
}
