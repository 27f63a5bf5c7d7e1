/**
 * Runtime facts, detected once and frozen (after Transformers.js' env.js): which runtime this code runs
 * in and which WebGPU adapter, if any, it would get. No Deno-only API is touched at the top level, so
 * this module loads in a browser worker too.
 */

/** "worker" covers browser Web Workers and Deno Web Workers alike. */
export type Runtime = "deno" | "browser" | "worker";

/** What the WebGPU adapter says about itself; `software` marks CPU emulations of a GPU. */
export interface AdapterFacts {
  /** Vendor as reported: a name ("nvidia", "google") or a PCI id in decimal ("65541" = 0x10005, Mesa). */
  vendor: string;
  architecture: string;
  description: string;
  /** True for a fallback adapter or a known software rasteriser (llvmpipe, SwiftShader, lavapipe, WARP). */
  software: boolean;
  /** A short human name: the description, else vendor and architecture. */
  name: string;
}

export interface Env {
  runtime: Runtime;
  /** True under Deno, main thread or worker: the repository's files are on disk (node_modules). */
  deno: boolean;
  /** Whether `navigator.gpu` exists at all. */
  webgpuApi: boolean;
  /** The adapter `requestAdapter()` returns, or null when there is none. */
  adapter: AdapterFacts | null;
}

/** Substrings (lower case) of adapter descriptions and architectures that name software adapters. */
const SOFTWARE_ADAPTER_NAMES = [
  "llvmpipe",
  "swiftshader",
  "lavapipe",
  "softpipe",
  "microsoft basic render driver",
];

/** The subset of GPUAdapterInfo that this module reads; older runtimes lack some fields. */
interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  description?: string;
  device?: string;
  isFallbackAdapter?: boolean;
}

/** Classifies adapter info; exported so that tests can feed it the strings other platforms report. */
export function describeAdapter(info: AdapterInfoLike, isFallbackAdapter = false): AdapterFacts {
  const vendor = info.vendor ?? "";
  const architecture = info.architecture ?? "";
  const description = info.description ?? "";
  const haystack = `${vendor} ${architecture} ${description}`.toLowerCase();
  const software = isFallbackAdapter || info.isFallbackAdapter === true ||
    SOFTWARE_ADAPTER_NAMES.some((s) => haystack.includes(s));
  const name = description || [vendor, architecture].filter((s) => s !== "").join(" ") || "unknown adapter";
  return Object.freeze({ vendor, architecture, description, software, name });
}

function isDeno(): boolean {
  const g = globalThis as unknown as { Deno?: unknown };
  return typeof g.Deno === "object" && g.Deno !== null;
}

function detectRuntime(): Runtime {
  const g = globalThis as unknown as { WorkerGlobalScope?: new () => unknown };
  // A Deno Web Worker also defines Deno; the worker scope test must come first.
  if (typeof g.WorkerGlobalScope === "function" && globalThis instanceof g.WorkerGlobalScope) return "worker";
  return isDeno() ? "deno" : "browser";
}

async function detectAdapter(): Promise<{ webgpuApi: boolean; adapter: AdapterFacts | null }> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { webgpuApi: false, adapter: null };
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter();
  } catch {
    // Some runtimes throw instead of returning null when no adapter can be made; both mean "none".
    adapter = null;
  }
  if (!adapter) return { webgpuApi: true, adapter: null };
  // isFallbackAdapter sat on the adapter in older specs and moved to adapter.info.
  const legacyFallback = (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  return { webgpuApi: true, adapter: describeAdapter(adapter.info ?? {}, legacyFallback) };
}

let detected: Promise<Readonly<Env>> | null = null;

/** Detects the runtime and WebGPU adapter on the first call; later calls return the same frozen object. */
export function detectEnv(): Promise<Readonly<Env>> {
  detected ??= (async () => {
    const runtime = detectRuntime();
    const { webgpuApi, adapter } = await detectAdapter();
    return Object.freeze({ runtime, deno: isDeno(), webgpuApi, adapter });
  })();
  return detected;
}
