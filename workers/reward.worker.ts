/// <reference lib="deno.worker" />
/**
 * The reward worker: scores completions off the trainer's thread (see core/rewards/scorer.ts). Only
 * strings and samples without pixels (unless a reward needs them) cross; custom reward modules are
 * imported here, by absolute URL.
 */
import * as Comlink from "comlink";
import { specScorer } from "../core/rewards/scorer.ts";

const score = specScorer(new URL(/* @vite-ignore */ "../", import.meta.url));
export type RewardWorkerApi = { score: typeof score };

Comlink.expose({ score } satisfies RewardWorkerApi);
