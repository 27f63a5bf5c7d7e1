/** The page's one line about the backend and adapter, from the detected env and the worker's InitInfo. */
import type { Env } from "../../core/env.ts";
import type { InitInfo } from "../../core/train/init_info.ts";

export interface BackendSummary {
  text: string;
  /** "" before a run has chosen one. */
  backend: string;
  /** True when the run is not on a hardware GPU (software adapter, wasm, cpu) or there is no WebGPU. */
  warn: boolean;
}

export function backendSummary(
  env: Pick<Env, "webgpuApi" | "adapter">,
  info: InitInfo | null,
): BackendSummary {
  const a = env.adapter;
  const adapter = !env.webgpuApi
    ? "this browser has no WebGPU"
    : !a
    ? "WebGPU is present but gave no adapter"
    : a.software
    ? `WebGPU adapter: ${a.name} (software, a CPU emulation of a GPU)`
    : `WebGPU adapter: ${a.name}`;
  if (!info) {
    const plan = a && !a.software
      ? "runs will use webgpu"
      : "runs will use wasm (CPU) unless you choose webgpu";
    return { text: `${adapter}; ${plan}`, backend: "", warn: !a || a.software };
  }
  const backend = info.backend;
  const how = backend === "webgpu"
    ? a?.software ? "webgpu on a software adapter: correct, but slower than wasm" : "webgpu on the GPU"
    : backend === "wasm"
    ? "wasm on the CPU"
    : `${backend} (slowest)`;
  return {
    text: `backend: ${how}. ${adapter}.`,
    backend,
    warn: backend !== "webgpu" || (a?.software ?? true),
  };
}
