/**
 * A custom reward in a worker of its own (workers/custom_reward.worker.ts). Under Deno that worker may
 * only read the module's folder: no write, net, env, run, ffi or sys, so that a module from a run folder
 * someone sent cannot read your files, environment or network. A reward that does not return within
 * reward_timeout_s (an endless loop can only be stopped from outside its thread) fails the call naming
 * the row, and its worker is terminated; the next call starts a new one.
 */
import * as Comlink from "comlink";
import {
  type CustomRewardInfo,
  type CustomRewardRunner,
  type OpenCustomReward,
  rowError,
} from "../core/rewards/definition.ts";
import type { RewardContext, RewardSample, RewardValue } from "../core/rewards/types.ts";
import { crashAware } from "./crash_aware.ts";
import type { CustomRewardWorkerApi } from "./custom_reward.worker.ts";

/** Why a call whose rows never started was stopped: score() sends it again. */
const NOT_STARTED = new Error("the call had not started");

/** The call number of the module's import in progress messages (LOADING in the worker). */
const LOADING = -1;

/** How long close() waits after terminating the worker (as workers/reward_scorer.ts). */
const WORKER_SHUTDOWN_MS = 250;

/** What a custom reward's worker may do under Deno: read `folder`, nothing else. */
export function sandboxPermissions(folder: string): Deno.PermissionOptionsObject {
  return {
    read: [folder],
    write: false,
    net: false,
    env: false,
    run: false,
    ffi: false,
    sys: false,
    import: false,
  };
}

/** The folder of a file: URL, as a path. */
function folderOf(url: URL): string {
  return decodeURIComponent(new URL("./", url).pathname);
}

/** One score() in flight: its rows, and which of them have started and returned in the worker. */
interface Call {
  samples: readonly RewardSample[];
  started: Set<number>;
  done: Set<number>;
  reject(e: Error): void;
}

interface Running {
  worker: Worker;
  remote: Comlink.Remote<CustomRewardWorkerApi>;
  api: Comlink.Remote<CustomRewardWorkerApi>;
  progress: MessagePort;
  info: Promise<CustomRewardInfo>;
}

export class CustomRewardSandbox implements CustomRewardRunner {
  /** "custom reward NAME: runs code from PATH (...)": said on every start of a command that loads it. */
  readonly note: string;
  readonly #calls = new Map<number, Call>();
  #nextCall = 0;
  #running?: Running;
  #watchdog?: ReturnType<typeof setTimeout>;

  /**
   * `path` is custom_rewards.NAME as given, `url` where it resolved, `given` reward_options.NAME and
   * `timeoutS` reward_timeout_s.
   */
  constructor(
    readonly name: string,
    readonly path: string,
    readonly url: URL,
    readonly given: Readonly<Record<string, unknown>>,
    readonly timeoutS: number,
  ) {
    this.note = url.protocol === "file:"
      ? `custom reward ${name}: runs code from ${decodeURIComponent(url.pathname)} (in a worker that may ` +
        `only read ${folderOf(url)}: no write, net, env, run, ffi or sys)`
      : `custom reward ${name}: runs code from ${path} (in a worker of this page)`;
  }

  /** Starts the worker if none runs and imports the module; its info, or why it cannot load. */
  load(): Promise<CustomRewardInfo> {
    return this.#start().info;
  }

  /**
   * out[r]: the reward on row r; fails naming the row when it throws or does not return in time. A call
   * whose rows had not started when the worker was stopped for another call is sent to a new worker.
   */
  async score(
    completions: readonly string[],
    samples: readonly RewardSample[],
    ctx: RewardContext,
  ): Promise<RewardValue[]> {
    for (;;) {
      try {
        return await this.#scoreOnce(completions, samples, ctx);
      } catch (e) {
        if (e !== NOT_STARTED) throw e;
      }
    }
  }

  async #scoreOnce(
    completions: readonly string[],
    samples: readonly RewardSample[],
    ctx: RewardContext,
  ): Promise<RewardValue[]> {
    const running = this.#start();
    const info = await running.info;
    const id = this.#nextCall++;
    const stopped = new Promise<never>((_, reject) =>
      this.#calls.set(id, { samples, started: new Set(), done: new Set(), reject })
    );
    this.#arm();
    try {
      // The policy stays on the caller's thread; the worker calls it back through comlink.
      const generate = info.needsPolicy && ctx.generate ? Comlink.proxy(ctx.generate) : undefined;
      const { values, said } = await Promise.race([
        running.api.score(id, [...completions], [...samples], generate),
        stopped,
      ]);
      for (const line of said) ctx.sayOnce(line);
      return values;
    } finally {
      this.#calls.delete(id);
      this.#arm();
    }
  }

  /** Terminates the worker; resolves once its thread has had time to shut down. */
  async close(): Promise<void> {
    if (!this.#stop()) return;
    // As in workers/reward_scorer.ts: a process that exits right after terminate() can crash in Deno
    // 2.9's teardown; give the worker's thread a moment to shut down first.
    await new Promise((resolve) => setTimeout(resolve, WORKER_SHUTDOWN_MS));
  }

  #start(): Running {
    if (this.#running) return this.#running;
    // Vite reads `type` from this literal; the spread before it carries Deno's permissions.
    const worker = new Worker(new URL("./custom_reward.worker.ts", import.meta.url), {
      ...(typeof Deno === "undefined" || this.url.protocol !== "file:"
        ? {}
        : { deno: { permissions: sandboxPermissions(folderOf(this.url)) } }),
      type: "module",
    });
    const { remote, api } = crashAware<CustomRewardWorkerApi>(worker, `custom reward "${this.name}"`);
    const channel = new MessageChannel();
    let importing = () => {};
    const imports = new Promise<void>((resolve) => importing = resolve);
    channel.port1.onmessage = (e: MessageEvent<[number, number, boolean]>) => {
      const [call, row, done] = e.data;
      if (call === LOADING) return importing();
      const c = this.#calls.get(call);
      c?.[done ? "done" : "started"].add(row);
      this.#arm();
    };
    const info = this.#loadWithin(
      api.load(
        this.name,
        this.path,
        this.url.href,
        { ...this.given },
        Comlink.transfer(channel.port2, [channel.port2]),
      ),
      imports,
    );
    this.#running = { worker, remote, api, progress: channel.port1, info };
    info.catch(() => {}); // observed by load() and score()
    return this.#running;
  }

  /**
   * The load, failed and its worker stopped when the module's import does not finish in time (timed
   * from when the worker starts it: starting the worker itself is not the module's doing).
   */
  #loadWithin(load: Promise<CustomRewardInfo>, imports: Promise<void>): Promise<CustomRewardInfo> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settled = false;
    const late = new Promise<never>((_, reject) =>
      imports.then(() => {
        if (settled) return;
        timer = setTimeout(() => {
          this.#stop();
          reject(
            new Error(
              `custom reward "${this.name}": loading ${this.path} did not finish within ${this.timeoutS} s ` +
                "(reward_timeout_s)",
            ),
          );
        }, this.timeoutS * 1000);
      })
    );
    return Promise.race([load, late]).finally(() => {
      settled = true;
      clearTimeout(timer);
    });
  }

  /** (Re)starts the timer while calls are in flight: it fires when no row has returned for timeoutS. */
  #arm(): void {
    clearTimeout(this.#watchdog);
    this.#watchdog = this.#calls.size > 0
      ? setTimeout(() => this.#timeUp(), this.timeoutS * 1000)
      : undefined;
  }

  /**
   * The call with a row started and not returned (else the oldest) fails on that row; the others fail
   * as stopped.
   */
  #timeUp(): void {
    const calls = [...this.#calls.values()];
    const stuck = (c: Call) => [...c.started].some((r) => !c.done.has(r));
    const first = calls.find(stuck) ?? calls[0];
    const rest = calls.filter((c) => c !== first);
    this.#stop();
    for (const call of rest.filter((c) => c.started.size === 0)) call.reject(NOT_STARTED);
    const rows = first.samples.map((_, r) => r);
    const row = rows.find((r) => first.started.has(r) && !first.done.has(r)) ??
      rows.find((r) => !first.done.has(r)) ?? 0;
    const reason = `did not return within ${this.timeoutS} s (reward_timeout_s); its worker was stopped ` +
      "and the next call starts a new one";
    first.reject(
      row < first.samples.length
        ? rowError(this.name, row, first.samples[row], reason)
        : new Error(`reward "${this.name}" ${reason}`),
    );
    for (const call of rest.filter((c) => c.started.size > 0)) {
      call.reject(
        new Error(
          `reward "${this.name}": its worker was stopped during this call because another did not return within ` +
            `${this.timeoutS} s (reward_timeout_s)`,
        ),
      );
    }
  }

  /** Terminates the running worker, if any; whether there was one. */
  #stop(): boolean {
    clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
    const running = this.#running;
    if (!running) return false;
    this.#running = undefined;
    running.progress.close();
    running.remote[Comlink.releaseProxy]();
    running.worker.terminate();
    return true;
  }
}

/** What core's loadRewardSet() is given to run custom rewards: each in a sandbox of its own. */
export const openCustomReward: OpenCustomReward = (name, path, url, given, timeoutS) =>
  new CustomRewardSandbox(name, path, url, given, timeoutS);
