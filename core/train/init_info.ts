/** What the trainer's init() takes and reports: where the assets are, and what it found and built. */

/** Where the worker finds the files that public/ holds: a file: URL under Deno, the app's base URL in a browser. */
export interface Assets {
  /** Base URL of public/ (ends with "/"). */
  publicBase: string;
  /** Base URL of tfjs-backend-wasm's .wasm files (ends with "/"). */
  wasmBase: string;
}

/** What init() found and built. */
export interface InitInfo {
  backend: string;
  /** The WebGPU adapter's description, "" when there is none. */
  adapter: string;
  softwareAdapter: boolean;
  /** The one line that says which backend runs and why. */
  backendNote: string;
  parameters: number;
  vocabSize: number;
  /** Where the weights came from: "fresh init (seed N)" or the checkpoint's name. */
  weights: string;
  /** Things to say once: a reference model kept, where rewards are scored, a resumed step. */
  notes: string[];
}
