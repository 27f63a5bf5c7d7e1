/// <reference lib="deno.worker" />
/**
 * The reward worker: scores completions off the trainer's thread (see core/rewards/scorer.ts). Only
 * strings and pixel-free samples cross; the reward functions are pure.
 */
import * as Comlink from "comlink";
import { timedScoreRows } from "../core/rewards/scorer.ts";

export type RewardWorkerApi = { score: typeof timedScoreRows };

Comlink.expose({ score: timedScoreRows } satisfies RewardWorkerApi);
