/// <reference lib="deno.worker" />
/**
 * The reward worker: scores completions off the trainer's thread (see core/rewards/scorer.ts). Only
 * strings and samples without pixels (unless a reward needs them) cross. A custom reward given here (by
 * absolute URL) runs in a sandboxed worker of its own (workers/custom_reward.ts), started from this one.
 */
import * as Comlink from "comlink";
import { type SpecScorer, specScorer } from "../core/rewards/scorer.ts";
import { openCustomReward } from "./custom_reward.ts";

const scorer = specScorer(new URL(/* @vite-ignore */ "../", import.meta.url), openCustomReward);
export type RewardWorkerApi = SpecScorer;

Comlink.expose({ score: scorer.score, close: scorer.close } satisfies RewardWorkerApi);
