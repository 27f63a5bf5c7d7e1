/**
 * deno task data: data sets of your own.
 *   deno task data check PATH [--image-folders A,B] [--checkpoint DIR] [key=value ...]
 *   deno task data export --to verl --out DIR PATH [test_ratio=0.1] [skip_invalid=true] [key=value ...]
 * PATH is a conversation .jsonl (images resolved against --image-folders, else its own folder) or a
 * verl / Geometry3K .parquet. check exits 1 when any sample has a problem.
 */
import { parseArgsOrExit } from "./args.ts";
import { runDataCheck, runVerlExport } from "./data_job.ts";
import { runCommand } from "./jobs.ts";
import { OVERWRITE_SWITCH } from "./out_folder.ts";

const USAGE = [
  "usage: deno task data check PATH [--image-folders A,B] [--checkpoint DIR] [key=value ...]",
  "       deno task data export --to verl --out DIR PATH [--overwrite] [test_ratio=R] [skip_invalid=true] [key=value ...]",
  "check: counts, image sizes, prompt and vision tokens against the limits, every problem with its line",
  "export: DIR/train.parquet and DIR/test.parquet in verl's layout (split by seed and test_ratio)",
].join("\n");

const argv = [...Deno.args];
const command = argv.shift();
if (command === undefined || command === "--help" || command === "-h") {
  console.log(USAGE);
  Deno.exit(command === undefined ? 2 : 0);
}
if (command !== "check" && command !== "export") {
  console.error(`error: unknown data command "${command}"; give check or export\n${USAGE}`);
  Deno.exit(2);
}

const { config, switches, values } = parseArgsOrExit({
  name: "data",
  summary: USAGE,
  flags: {
    "--image-folders": { key: "image_folders" },
    "--checkpoint": { key: "model_name_or_path", doc: "check the text against this model's vocabulary" },
  },
  positional: { key: "dataset", arg: "PATH", doc: "the data set: a conversation .jsonl or a .parquet" },
  ...(command === "export"
    ? { values: { "--to": { arg: "verl", doc: "the export's layout (verl, the one target so far)" } } }
    : {}),
  switches: command === "export" ? OVERWRITE_SWITCH : undefined,
}, argv);

const to = values.get("--to")?.[0];
if (command === "export" && to !== "verl") {
  console.error(`error: data export needs --to verl (the one target so far)${to ? `, got "${to}"` : ""}`);
  Deno.exit(2);
}
if (!config.dataset) {
  console.error(`error: no data set given\n${USAGE}`);
  Deno.exit(2);
}

await runCommand(async () => {
  if (command === "check") {
    const code = await runDataCheck(config);
    if (code !== 0) Deno.exit(code);
  } else {
    await runVerlExport(config, switches.has("--overwrite"));
  }
});
