import { assertEquals } from "../../assert.ts";
import { backendSummary } from "../../../app/web/backend_text.ts";
import { describeAdapter } from "../../../core/env.ts";
import type { InitInfo } from "../../../core/train/init_info.ts";

const swiftshader = describeAdapter({ vendor: "google", architecture: "swiftshader" });
const nvidia = describeAdapter({ vendor: "nvidia", architecture: "ampere", description: "NVIDIA RTX 3060" });
const info = (backend: string): InitInfo => ({
  backend,
  adapter: "",
  softwareAdapter: false,
  backendNote: "",
  parameters: 1,
  vocabSize: 1,
  weights: "",
  notes: [],
});

Deno.test("backendSummary() says plainly when the adapter is software or missing", () => {
  assertEquals(backendSummary({ webgpuApi: true, adapter: swiftshader }, null), {
    text: "WebGPU adapter: google swiftshader (software, a CPU emulation of a GPU); " +
      "runs will use wasm (CPU) unless you choose webgpu",
    backend: "",
    warn: true,
  });
  assertEquals(backendSummary({ webgpuApi: false, adapter: null }, info("wasm")), {
    text: "backend: wasm on the CPU. this browser has no WebGPU.",
    backend: "wasm",
    warn: true,
  });
  assertEquals(
    backendSummary({ webgpuApi: true, adapter: null }, null).text.startsWith(
      "WebGPU is present but gave no adapter;",
    ),
    true,
  );
  assertEquals(
    backendSummary({ webgpuApi: true, adapter: swiftshader }, info("webgpu")).text,
    "backend: webgpu on a software adapter: correct, but slower than wasm. " +
      "WebGPU adapter: google swiftshader (software, a CPU emulation of a GPU).",
  );
});

Deno.test("backendSummary() on a hardware GPU", () => {
  assertEquals(
    backendSummary({ webgpuApi: true, adapter: nvidia }, null).text,
    "WebGPU adapter: NVIDIA RTX 3060; runs will use webgpu",
  );
  assertEquals(backendSummary({ webgpuApi: true, adapter: nvidia }, info("webgpu")), {
    text: "backend: webgpu on the GPU. WebGPU adapter: NVIDIA RTX 3060.",
    backend: "webgpu",
    warn: false,
  });
});
