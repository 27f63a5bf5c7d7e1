/**
 * The command line every task shares:
 *   deno task NAME [--config FILE.json]... [key=value ...] [--out DIR] [--backend webgpu|wasm|cpu]
 *                  [--seed N] [--help]
 * plus flags a command declares (eval: --checkpoint PATH --task count --n 200), each mapped onto a config
 * key. parseArgs is pure and throws ConfigError; parseArgsOrExit prints and exits (2 on an error).
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
}

export interface ArgsIo {
  /** Reads a --config file; throws if it cannot. */
  readTextFile(path: string): string;
  /** The time that names the default run folder. */
  now: Date;
}

export type ParsedArgs =
  | { kind: "help"; text: string }
  | { kind: "run"; config: RunConfig; notes: string[]; configFiles: string[]; switches: Set<string> };

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
  const flags = { ...SHARED_FLAGS, ...spec.flags };
  const flagLines = Object.entries(flags).map(([flag, f]) =>
    `  ${`${flag} VALUE`.padEnd(22)} sets ${f.key}${f.doc ? `: ${f.doc}` : ""}`
  );
  return [
    `deno task ${spec.name}: ${spec.summary}`,
    "",
    `usage: deno task ${spec.name} [--config FILE.json]... [key=value ...] [flags] [--help]`,
    "Later settings win: defaults < --config files (in order) < key=value and flags (in order).",
    "",
    "flags:",
    `  ${"--config FILE.json".padEnd(22)} read settings from a JSON object (may repeat)`,
    ...flagLines,
    ...Object.entries(spec.switches ?? {}).map(([flag, doc]) => `  ${flag.padEnd(22)} ${doc}`),
    `  ${"--help".padEnd(22)} show this text`,
    "",
    "config keys (key=value):",
    describeConfig(),
  ].join("\n");
}

/** Parses argv into a RunConfig; throws ConfigError naming the argument, key or file at fault. */
export function parseArgs(argv: readonly string[], spec: CommandSpec, io: ArgsIo): ParsedArgs {
  const flags: Record<string, FlagSpec> = { ...SHARED_FLAGS, ...spec.flags };
  const configFiles: string[] = [];
  const commandLine: Record<string, unknown> = {};
  const switches = new Set<string>();

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") return { kind: "help", text: helpText(spec) };
    if (arg.startsWith("-")) {
      const eq = arg.indexOf("=");
      const flag = eq < 0 ? arg : arg.slice(0, eq);
      if (spec.switches && Object.hasOwn(spec.switches, flag)) {
        if (eq >= 0) throw new ConfigError(`flag ${flag} takes no value`);
        switches.add(flag);
        continue;
      }
      const known = flag === "--config" || Object.hasOwn(flags, flag);
      if (!known) {
        const names = ["--config", "--help", ...Object.keys(flags), ...Object.keys(spec.switches ?? {})];
        const hint = nearest(flag, names);
        throw new ConfigError(
          `unknown flag ${flag}${hint ? `. Did you mean ${hint}?` : ""} (--help lists the flags)`,
        );
      }
      let value: string;
      if (eq >= 0) value = arg.slice(eq + 1);
      else if (i + 1 < argv.length && !looksLikeFlag(argv[i + 1])) value = argv[++i];
      else if (i + 1 < argv.length) {
        throw new ConfigError(
          `flag ${flag} needs a value, but the next argument is the flag ${argv[i + 1]} ` +
            `(write ${flag} VALUE, or ${flag}=VALUE for a value that starts with --)`,
        );
      } else throw new ConfigError(`flag ${flag} needs a value`);
      if (flag === "--config") configFiles.push(value);
      else {
        // Re-inserted so that the order of the command line decides when a key is given twice.
        delete commandLine[flags[flag].key];
        commandLine[flags[flag].key] = value;
      }
      continue;
    }
    const eq = arg.indexOf("=");
    if (eq <= 0) throw new ConfigError(`expected key=value or a --flag, got "${arg}"`);
    const key = arg.slice(0, eq);
    delete commandLine[key];
    commandLine[key] = arg.slice(eq + 1);
  }

  const layers: ConfigLayer[] = [
    { source: `the ${spec.name} command's default`, values: { out: defaultOutDir(spec.name, io.now) } },
    ...configFiles.map((path) => readConfigFile(path, io)),
    { source: "command line", values: commandLine },
  ];
  const { config, notes } = parseConfig(layers);
  return { kind: "run", config, notes, configFiles, switches };
}

/**
 * parseArgs for a Deno entry point: prints --help and exits 0, prints a ConfigError as "error: ..." and
 * exits 2, prints notes to stderr, and returns the config otherwise.
 */
export function parseArgsOrExit(spec: CommandSpec, argv: readonly string[] = Deno.args): {
  config: RunConfig;
  configFiles: string[];
  switches: Set<string>;
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
  return { config: parsed.config, configFiles: parsed.configFiles, switches: parsed.switches };
}
