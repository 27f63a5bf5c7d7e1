/// <reference lib="deno.worker" />
/**
 * One custom reward's worker: imports the user's module and scores rows with it. Under Deno it is started
 * with permissions narrowed to reading the module's folder (workers/custom_reward.ts); in a browser it is
 * a page worker. It imports no built-in reward, only the module and core/rewards/definition.ts.
 */
import * as Comlink from "comlink";
import {
  type CustomRewardInfo,
  definitionFromModule,
  readsImage,
  resolveOptions,
  scoreRows,
} from "../core/rewards/definition.ts";
import type {
  RewardContext,
  RewardDefinition,
  RewardOptions,
  RewardSample,
  RewardValue,
} from "../core/rewards/types.ts";
import { Notes } from "../core/notes.ts";
import { rewardContext } from "../core/rewards/context.ts";

export type { CustomRewardInfo };

/** The call number of the module's import in progress messages. */
export const LOADING = -1;

let loaded: { name: string; definition: RewardDefinition; options: RewardOptions; progress: MessagePort };

const api = {
  /**
   * Imports `url` (the path as given is `path`); `progress` receives [LOADING, 0, false] as the import
   * starts, then [call, row, done] as rows run.
   */
  async load(
    name: string,
    path: string,
    url: string,
    given: Record<string, unknown>,
    progress: MessagePort,
  ): Promise<CustomRewardInfo> {
    let module: Record<string, unknown>;
    progress.postMessage([LOADING, 0, false]);
    try {
      module = await import(/* @vite-ignore */ url);
    } catch (e) {
      throw new Error(`custom reward "${name}": cannot load ${path} (${url}): ${(e as Error).message}`);
    }
    const definition = definitionFromModule(name, path, module);
    const options = resolveOptions(definition, given);
    loaded = { name, definition, options, progress };
    return {
      defaults: definition.defaults,
      options,
      range: definition.range,
      doc: definition.doc,
      needsImage: readsImage(definition, options),
      needsPolicy: definition.needsPolicy === true,
    };
  },

  /** Scores every row; `generate` is the trainer's policy, for a reward that asks it. */
  async score(
    call: number,
    completions: string[],
    samples: RewardSample[],
    generate?: (prompt: string) => Promise<string>,
  ): Promise<{ values: RewardValue[]; said: string[] }> {
    const { name, definition, options, progress } = loaded;
    // A task of its own: the answer to the call before this one is then posted before this call's rows
    // start, even when one of them never returns.
    await new Promise((resolve) => setTimeout(resolve, 0));
    // This call's lines go back with its answer; the caller's sayOnce (the run's Notes) says each once.
    const notes = new Notes();
    const ctx: RewardContext = {
      ...rewardContext(notes, generate && ((prompt) => generate(prompt))),
      batch: samples,
    };
    const values = await scoreRows(
      name,
      (completion, sample) => definition.fn(completion, sample, options, ctx),
      completions,
      samples,
      (row, done) => progress.postMessage([call, row, done]),
    );
    return { values, said: notes.take() };
  },
};
export type CustomRewardWorkerApi = typeof api;

Comlink.expose(api);
