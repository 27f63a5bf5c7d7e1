/// <reference lib="deno.worker" />
/**
 * The trainer worker: one TrainerSession exposed over comlink. It owns its tfjs backend and GPU device;
 * nothing else runs in it. No top-level await: expose() must run before the first message arrives.
 */
import "./file_origin_shim.ts";
import * as Comlink from "comlink";
import { TrainerSession } from "../core/train/session.ts";

Comlink.expose(new TrainerSession());
