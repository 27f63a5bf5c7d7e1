import { detectEnv } from "../../core/env.ts";

const env = await detectEnv();
self.postMessage(`${env.runtime} ${env.deno}`);
