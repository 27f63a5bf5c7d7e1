/**
 * deno task serve-rewards [--port N] [--host H] [--max-body-mb M] [--body-timeout-s S]
 *                         [--header-timeout-s S] [--rewards a,b] [--weights x,y] [--config FILE.json]
 *                         [key=value ...]
 *
 * grpo-lab's rewards over HTTP for verl (app/verl/grpo_lab_reward.py calls it) or anything else:
 *   POST /score        {data_source, solution_str, ground_truth, extra_info}      (verl's compute_score)
 *                      -> {"score": total, "<reward>": value or null, ...}
 *   POST /score_batch  {data_sources, solution_strs, ground_truths, extra_infos}  (verl's batch manager)
 *                      -> {"results": [the same object per item]}
 *   GET /              -> {"rewards": [...], "weights": [...], "routes": [...]}
 * A bad request is 400 {"error", "field"}; a reward that throws is 500 {"error"}; another path is 404.
 * Before any reward runs (app/cli/http_limits.ts): a Host other than the loopback names is 421 (unless
 * --host opened the server to other machines), a POST that is not application/json 415, a body over
 * --max-body-mb 413, one not complete within --body-timeout-s 408, one cut off or not UTF-8 400;
 * headers not complete within --header-timeout-s are 408 (app/cli/http_front.ts).
 * --port 0 picks a free port; the address is printed on stdout either way.
 */
import { runCommand } from "./jobs.ts";
import {
  describeScoring,
  loadScoringOrExit,
  rewardConfigOrExit,
  type Scored,
  type Scoring,
} from "./reward_scoring.ts";
import { FieldError, verlBatchRows, verlRow } from "./score_input.ts";
import {
  allowedHosts,
  type BodyLimits,
  checkHost,
  checkJsonType,
  isLoopback,
  readBody,
  RequestError,
} from "./http_limits.ts";
import { type Front, listenFront } from "./http_front.ts";

/** The port the Python client tries when GRPO_LAB_REWARD_URL is not set. */
export const DEFAULT_PORT = 8765;
const DEFAULT_HOST = "127.0.0.1";
const DEFAULT_MAX_BODY_MB = 8;
const DEFAULT_BODY_TIMEOUT_S = 60;
const DEFAULT_HEADER_TIMEOUT_S = 10;

/** What the handler accepts; see app/cli/http_limits.ts. */
export interface Limits extends BodyLimits {
  /** The Host header values answered (allowedHosts()); null: any. */
  hosts: readonly string[] | null;
}

interface Route {
  method: "GET" | "POST";
  /** The answer's body; throws FieldError for a bad request. */
  handle: (body: unknown) => Promise<unknown>;
}

/** Every answer closes its connection: http_front.ts relays one request per connection. */
function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", connection: "close", ...headers },
  });
}

/** The request handler; `say` gets one line per failed request and what rewards say once. */
export function rewardHandler(
  scoring: Scoring,
  say: (line: string) => void,
  limits: Limits,
): (req: Request) => Promise<Response> {
  const answer = (s: Scored) => ({
    score: s.total,
    ...Object.fromEntries(scoring.names.map((name, f) => [name, s.values[f]])),
  });
  const routes: Record<string, Route> = {
    "/score": { method: "POST", handle: async (body) => answer((await scoring.score([verlRow(body)]))[0]) },
    "/score_batch": {
      method: "POST",
      handle: async (body) => ({ results: (await scoring.score(verlBatchRows(body))).map(answer) }),
    },
    "/": {
      method: "GET",
      handle: () => Promise.resolve({ rewards: scoring.names, weights: scoring.weights, routes: routeNames }),
    },
  };
  const routeNames = Object.entries(routes).map(([path, r]) => `${r.method} ${path}`);

  return async (req) => {
    const path = new URL(req.url).pathname;
    const where = `${req.method} ${path}`;
    const failed = (status: number, body: { error: string; field?: string }, headers = {}) => {
      say(`serve-rewards: ${status} ${where}: ${body.error}`);
      return json(status, body, headers);
    };
    const refused = (e: RequestError) =>
      failed(e.status, e.field === undefined ? { error: e.message } : { error: e.message, field: e.field });
    try {
      checkHost(req.headers.get("host"), limits.hosts);
    } catch (e) {
      return refused(e as RequestError);
    }
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (route === undefined) {
      return failed(404, { error: `no route ${path}; the routes are ${routeNames.join(", ")}` });
    }
    if (req.method !== route.method) {
      return failed(405, { error: `${path} takes ${route.method}, not ${req.method}` }, {
        allow: route.method,
      });
    }
    let body: unknown;
    if (route.method === "POST") {
      let text: string;
      try {
        checkJsonType(req.headers.get("content-type"));
        text = await readBody(req, limits);
      } catch (e) {
        if (e instanceof RequestError) return refused(e);
        throw e;
      }
      try {
        body = JSON.parse(text);
      } catch (e) {
        return failed(400, {
          error: `the request body is not valid JSON: ${(e as Error).message}`,
          field: "body",
        });
      }
    }
    try {
      const result = await route.handle(body);
      for (const line of scoring.said()) say(`serve-rewards: ${line}`);
      return json(200, result);
    } catch (e) {
      if (e instanceof FieldError) return failed(400, { error: e.message, field: e.field });
      return failed(500, { error: (e as Error).message });
    }
  };
}

/** --port as a number in 0..65535 (0: the system picks a free one). */
function parsePort(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PORT;
  const port = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be an integer from 0 to 65535 (0 = any free port), got "${raw}"`);
  }
  return port;
}

/** A flag's value as a number > 0, or its default when absent. */
function parsePositive(raw: string | undefined, flag: string, unit: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const x = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(x) || x <= 0) {
    throw new Error(`${flag} must be a number > 0 (${unit}), got "${raw}"`);
  }
  return x;
}

const SUMMARY = "serve the rewards over HTTP for verl: POST /score, POST /score_batch";
const OWN_FLAGS = [
  { flag: "--port N", doc: `port to listen on; 0 = a free one (printed); default ${DEFAULT_PORT}` },
  { flag: "--host H", doc: `address to listen on; default ${DEFAULT_HOST} (this machine only)` },
  {
    flag: "--max-body-mb M",
    doc: `largest request body, MiB; larger is 413; default ${DEFAULT_MAX_BODY_MB}`,
  },
  {
    flag: "--body-timeout-s S",
    doc: `seconds a request body may take to arrive; later is 408; default ${DEFAULT_BODY_TIMEOUT_S}`,
  },
  {
    flag: "--header-timeout-s S",
    doc: `seconds a request's headers may take; later is 408; default ${DEFAULT_HEADER_TIMEOUT_S}`,
  },
];
const PYTHON_CLIENT = new URL("../verl/grpo_lab_reward.py", import.meta.url).pathname;

/** The warning said once at start when other machines can reach the server. */
export function openWarning(address: string): string {
  return `serve-rewards: listening on ${address}: any machine that reaches this port can run the reward ` +
    "functions; the Host header is not checked. Leave out --host (127.0.0.1, this machine only) unless " +
    "verl runs on another machine, and keep the port behind a firewall";
}

interface ServeOptions extends BodyLimits {
  host: string;
  port: number;
  headerTimeoutS: number;
}

/**
 * Serves until SIGINT or SIGTERM (requests in flight are answered first). Deno.serve listens on a
 * free loopback port behind http_front.ts, which listens on host:port and times the headers.
 */
async function serve(scoring: Scoring, options: ServeOptions): Promise<void> {
  const say = (line: string) => console.error(line);
  // The Host rule needs the front's port (--port 0 is known once listening); no request comes before.
  let handler: (req: Request) => Promise<Response> = () => Promise.reject(new Error("not listening yet"));
  const inner = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
    // What the handler did not catch: one line, never a stack, and a JSON 500.
    onError: (e) => {
      say(`serve-rewards: 500: ${e instanceof Error ? e.message : String(e)}`);
      return json(500, { error: e instanceof Error ? e.message : String(e) });
    },
  }, (req) => handler(req));
  let front: Front;
  try {
    front = listenFront(options, inner.addr.port, say);
  } catch (e) {
    await inner.shutdown();
    throw new Error(`cannot listen on ${options.host}:${options.port}: ${(e as Error).message}`);
  }
  handler = rewardHandler(scoring, say, { ...options, hosts: allowedHosts(options.host, front.addr.port) });
  const { hostname, port } = front.addr;
  const address = `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
  const url = `http://${address}`;
  console.log(`serve-rewards: rewards ${describeScoring(scoring)}`);
  console.log(`serve-rewards: listening on ${url} (POST /score, POST /score_batch, GET /)`);
  console.log(
    `serve-rewards: verl: GRPO_LAB_REWARD_URL=${url}, custom_reward_function.path=${PYTHON_CLIENT}`,
  );
  if (!isLoopback(options.host)) say(openWarning(address));

  const stop = () => {
    front.close();
    void inner.shutdown();
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await inner.finished;
  Deno.removeSignalListener("SIGINT", stop);
  Deno.removeSignalListener("SIGTERM", stop);
}

if (import.meta.main) {
  const { config, values } = rewardConfigOrExit("serve-rewards", SUMMARY, OWN_FLAGS);
  const given = (flag: string) => values.get(flag)?.[0];
  let options: ServeOptions;
  try {
    const positive = (flag: string, unit: string, fallback: number) =>
      parsePositive(given(flag), flag, unit, fallback);
    options = {
      port: parsePort(given("--port")),
      host: given("--host") ?? DEFAULT_HOST,
      maxBodyMb: positive("--max-body-mb", "MiB", DEFAULT_MAX_BODY_MB),
      bodyTimeoutS: positive("--body-timeout-s", "seconds", DEFAULT_BODY_TIMEOUT_S),
      headerTimeoutS: positive("--header-timeout-s", "seconds", DEFAULT_HEADER_TIMEOUT_S),
    };
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    Deno.exit(2);
  }
  const scoring = await loadScoringOrExit(config);
  await runCommand(async () => {
    await serve(scoring, options);
    await scoring.close();
    console.error("serve-rewards: stopped");
  });
}
