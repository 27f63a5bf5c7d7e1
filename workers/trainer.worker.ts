/// <reference lib="deno.worker" />
/**
 * The trainer worker: one TrainerSession exposed over comlink. It owns its tfjs backend and GPU device;
 * GRPO's rewards are scored in a worker of its own (reward.worker.ts), so that scoring overlaps the
 * trainer's GPU work. No top-level await: expose() must run before the first message arrives.
 */
import "./file_origin_shim.ts";
import * as Comlink from "comlink";
import { TrainerSession } from "../core/train/session.ts";
import type { TrainerApi } from "./api.ts";
import { openCustomReward } from "./custom_reward.ts";
import { workerScorer } from "./reward_scorer.ts";

Comlink.expose(new TrainerSession({ makeScorer: workerScorer, openCustomReward }) satisfies TrainerApi);
