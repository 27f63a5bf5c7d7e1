/**
 * deno task bench-load [--gb N] [--dir DIR]: the host memory of loadPretrained() on a sharded checkpoint
 * of at least N GB (default 1). Writes a random Qwen2-VL-shaped folder (the real vocabulary and 2B's
 * widths, as many layers as it takes, F32 in 200 MB shards), then loads it in a child process on tfjs'
 * cpu backend, where the model's weights live in host memory, and prints the child's peak RSS against
 * the model's F32 size: streaming keeps the peak near that size plus the largest tensor, where reading
 * whole shards would add a shard (and a full-file read the whole checkpoint).
 */
import * as tf from "@tensorflow/tfjs";
import { parseArgsOrExit } from "./args.ts";
import { parameterCount, parameterShapes, qwen2_vl_2b } from "../../models/qwen2_vl/mod.ts";
import { loadPretrained } from "../../models/qwen2_vl/pretrained.ts";
import { type SafeTensor, writeSafetensors } from "../../models/safetensors.ts";
import { normalStream } from "../../core/random.ts";

const SHARD_BYTES = 200 * 1024 * 1024;
const MB = 1024 * 1024;

/** Peak resident set size of this process, from /proc (Linux), in bytes. */
function peakRss(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** 2B's config with `layers` decoder layers and a 2-block vision tower. */
function config(layers: number) {
  const c = qwen2_vl_2b();
  return { ...c, num_hidden_layers: layers, vision_config: { ...c.vision_config, depth: 2 } };
}

async function writeFixture(dir: string, gb: number): Promise<{ bytes: number; largest: number }> {
  let layers = 1;
  while (parameterCount(config(layers)) * 4 < gb * 1024 * MB) layers++;
  const c = config(layers);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify({ model_type: "qwen2_vl", ...c }, null, 2));
  const normal = normalStream(0);
  const weightMap: Record<string, string> = {};
  let shard = new Map<string, SafeTensor>();
  let shardBytes = 0;
  let total = 0;
  let largest = 0;
  let index = 0;
  const names: string[][] = [];
  const flush = async () => {
    const file = `model-${String(++index).padStart(5, "0")}.safetensors`;
    await Deno.writeFile(`${dir}/${file}`, writeSafetensors(shard));
    names.push([...shard.keys()]);
    for (const n of shard.keys()) weightMap[n] = file;
    shard = new Map();
    shardBytes = 0;
  };
  for (const [name, shape] of parameterShapes(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = 0.02 * normal();
    if (shardBytes > 0 && shardBytes + 4 * n > SHARD_BYTES) await flush();
    shard.set(name, { shape, data });
    shardBytes += 4 * n;
    total += 4 * n;
    largest = Math.max(largest, 4 * n);
  }
  await flush();
  await Deno.writeTextFile(
    `${dir}/model.safetensors.index.json`,
    JSON.stringify({ metadata: {}, weight_map: weightMap }),
  );
  return { bytes: total, largest };
}

const { values } = parseArgsOrExit({
  name: "bench-load",
  summary: "peak host memory of loadPretrained() on a sharded checkpoint of at least --gb GB",
  values: {
    "--gb": { arg: "N", doc: "the checkpoint's size in GB (F32); default 1" },
    "--dir": { arg: "DIR", doc: "where to write it; default a temporary folder (removed after)" },
    "--child": { arg: "DIR", doc: "load DIR and print JSON (the child's side)" },
  },
  sharedFlags: false,
  config: false,
});

const child = values.get("--child")?.[0];
if (child) {
  await tf.setBackend("cpu");
  const before = peakRss();
  const t0 = performance.now();
  const loaded = await loadPretrained(child);
  const seconds = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({
    seconds,
    peakRss: peakRss(),
    baseRss: before,
    largestRead: loaded.folder.largestRead,
    parameters: parameterCount(loaded.config),
    files: loaded.files.length,
  }));
  loaded.model.dispose();
} else {
  const gb = Number(values.get("--gb")?.[0] ?? "1");
  const dir = values.get("--dir")?.[0] ?? await Deno.makeTempDir({ prefix: "bench-load-" });
  console.error(`bench-load: writing a >= ${gb} GB sharded checkpoint to ${dir} ...`);
  const { bytes, largest } = await writeFixture(dir, gb);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--child", dir],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error("bench-load: the loading child failed");
  const r = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
  const gib = (x: number) => `${(x / 1024 / MB).toFixed(2)} GiB`;
  console.log(
    [
      `checkpoint: ${r.files} shards, ${gib(bytes)} F32, ${
        r.parameters.toLocaleString("en-US")
      } parameters; ` +
      `largest tensor ${(largest / MB).toFixed(0)} MiB`,
      `load: ${r.seconds.toFixed(1)} s on tfjs cpu; largest single read ${
        (r.largestRead / MB).toFixed(0)
      } MiB`,
      `peak RSS ${gib(r.peakRss)} (process before loading ${gib(r.baseRss)}) = ${
        (r.peakRss / bytes).toFixed(2)
      }x ` +
      `the F32 size; F32 size + largest tensor + base = ${gib(bytes + largest + r.baseRss)}`,
    ].join("\n"),
  );
  if (!values.has("--dir")) await Deno.remove(dir, { recursive: true });
}
