import { assert, assertEquals } from "../assert.ts";
import { describeAdapter, detectEnv } from "../../core/env.ts";

Deno.test("detectEnv() reports deno and is memoised and frozen when run in the main thread", async () => {
  const env = await detectEnv();
  assertEquals(env.runtime, "deno");
  assertEquals(env.deno, true);
  assert(await detectEnv() === env);
  assert(Object.isFrozen(env));
});

Deno.test("detectEnv() reports a worker when run in a Deno Web Worker", async () => {
  const url = new URL("./env_worker_fixture.ts", import.meta.url).href;
  const worker = new Worker(url, { type: "module" });
  const runtime = await new Promise<string>((resolve) => {
    worker.onmessage = (e: MessageEvent<string>) => resolve(e.data);
  });
  worker.terminate();
  assertEquals(runtime, "worker true");
});

Deno.test("detectEnv() marks this machine's adapter as software when it is llvmpipe", async () => {
  const { adapter } = await detectEnv();
  if (adapter && /llvmpipe|swiftshader/i.test(adapter.description)) assert(adapter.software);
});

Deno.test("describeAdapter() calls fallback and known rasterisers software and real GPUs hardware", () => {
  assert(describeAdapter({ description: "llvmpipe (LLVM 15.0.6, 256 bits)", vendor: "65541" }).software);
  assert(describeAdapter({ vendor: "google", architecture: "swiftshader" }).software);
  assert(describeAdapter({ description: "Microsoft Basic Render Driver" }).software);
  assert(describeAdapter({ description: "Intel lavapipe" }).software);
  assert(describeAdapter({ vendor: "x", isFallbackAdapter: true }).software);
  assert(describeAdapter({ vendor: "x" }, true).software);
  const gpu = describeAdapter({ vendor: "nvidia", architecture: "hopper", description: "" });
  assertEquals(gpu.software, false);
  assertEquals(gpu.name, "nvidia hopper");
});
