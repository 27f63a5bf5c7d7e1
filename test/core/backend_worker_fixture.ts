import { initBackend } from "../../core/backend.ts";

try {
  const choice = await initBackend({
    override: "wasm",
    wasmPaths: "file:///nonexistent/wasm/",
    log: () => {},
  });
  self.postMessage(`started ${choice.backend}`);
} catch (e) {
  self.postMessage(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
}
