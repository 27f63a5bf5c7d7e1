import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertRejects } from "../assert.ts";
import { BackendError, initBackend } from "../../core/backend.ts";
import { detectEnv } from "../../core/env.ts";

/** Runs initBackend with a logger that records its lines. */
async function init(override?: "auto" | "webgpu" | "wasm" | "cpu") {
  const lines: string[] = [];
  const choice = await initBackend({ override, log: (l) => lines.push(l) });
  return { choice, lines };
}

async function addOnBackend(): Promise<number[]> {
  const t = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([10, 20]));
  const out = Array.from(await t.data());
  t.dispose();
  return out;
}

Deno.test("initBackend() picks wasm and names the software adapter when WebGPU is software", async () => {
  const { adapter } = await detectEnv();
  const { choice, lines } = await init();
  assertEquals(lines.length, 1);
  if (adapter?.software) {
    assertEquals(choice.backend, "wasm");
    assertEquals(
      lines[0],
      `backend: wasm (WebGPU adapter "${adapter.name}" is a software adapter; use --backend webgpu to train on it anyway)`,
    );
  } else if (adapter) {
    assertEquals(choice.backend, "webgpu");
  }
  assertEquals(tf.getBackend(), choice.backend);
  assertEquals(await addOnBackend(), [11, 22]);
});

Deno.test("initBackend() uses webgpu on a software adapter when asked and says it is software", async () => {
  const { adapter } = await detectEnv();
  if (!adapter) return; // no WebGPU here: covered by the rejection test below
  const { choice, lines } = await init("webgpu");
  assertEquals(choice.backend, "webgpu");
  assertEquals(tf.getBackend(), "webgpu");
  assert(lines[0].startsWith("backend: webgpu (requested"), lines[0]);
  if (adapter.software) assert(lines[0].includes("is a software adapter"), lines[0]);
  assertEquals(await addOnBackend(), [11, 22]);
});

Deno.test("initBackend() uses cpu and wasm when asked", async () => {
  for (const name of ["cpu", "wasm"] as const) {
    const { choice, lines } = await init(name);
    assertEquals(choice.backend, name);
    assertEquals(tf.getBackend(), name);
    assertEquals(lines, [`backend: ${name} (requested)`]);
    assertEquals(await addOnBackend(), [11, 22]);
  }
});

Deno.test("initBackend() rejects an unknown backend name, naming it and the allowed ones", async () => {
  await assertRejects(
    // deno-lint-ignore no-explicit-any
    () => initBackend({ override: "webgl" as any, log: () => {} }),
    BackendError,
    'unknown backend "webgl": use one of auto, webgpu, wasm, cpu',
  );
});

Deno.test("initBackend() fails, not falls back, when a requested wasm backend cannot load", async () => {
  // A fresh module instance of tfjs is needed (a started wasm backend stays started), so this runs in a
  // worker, with a wasm folder that does not exist.
  const worker = new Worker(new URL("./backend_worker_fixture.ts", import.meta.url).href, { type: "module" });
  const message = await new Promise<string>((resolve) => {
    worker.onmessage = (e: MessageEvent<string>) => resolve(e.data);
  });
  worker.terminate();
  assert(message.startsWith("BackendError: backend wasm was requested but failed to start"), message);
});
