/// <reference lib="deno.worker" />
/**
 * The reward worker: scores completions off the trainer's thread (see core/rewards/scorer.ts). Only
 * strings and pixel-free samples cross; the reward functions are pure.
 */
import * as Comlink from "comlink";
import { scoreRows } from "../core/rewards/registry.ts";

export type RewardWorkerApi = { score: typeof scoreRows };

Comlink.expose({ score: scoreRows } satisfies RewardWorkerApi);
