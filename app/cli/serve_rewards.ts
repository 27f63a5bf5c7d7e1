/**
 * deno task serve-rewards [--port N] [--host H] [--rewards a,b] [--weights x,y] [--config FILE.json]
 *                         [key=value ...]
 *
 * grpo-lab's rewards over HTTP for verl (app/verl/grpo_lab_reward.py calls it) or anything else:
 *   POST /score        {data_source, solution_str, ground_truth, extra_info}      (verl's compute_score)
 *                      -> {"score": total, "<reward>": value or null, ...}
 *   POST /score_batch  {data_sources, solution_strs, ground_truths, extra_infos}  (verl's batch manager)
 *                      -> {"results": [the same object per item]}
 *   GET /              -> {"rewards": [...], "weights": [...], "routes": [...]}
 * A bad request is 400 {"error", "field"}; a reward that throws is 500 {"error"}; another path is 404.
 * --port 0 picks a free port; the address is printed on stdout either way.
 */
import { runCommand } from "./jobs.ts";
import {
  describeScoring,
  loadScoringOrExit,
  rewardConfigOrExit,
  type Scored,
  type Scoring,
  takeFlag,
} from "./reward_scoring.ts";
import { FieldError, verlBatchRows, verlRow } from "./score_input.ts";

/** The port the Python client tries when GRPO_LAB_REWARD_URL is not set. */
export const DEFAULT_PORT = 8765;
const DEFAULT_HOST = "127.0.0.1";

interface Route {
  method: "GET" | "POST";
  /** The answer's body; throws FieldError for a bad request. */
  handle: (body: unknown) => Promise<unknown>;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** The request handler; `say` gets one line per failed request and what rewards say once. */
export function rewardHandler(
  scoring: Scoring,
  say: (line: string) => void,
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
      const text = await req.text();
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

const SUMMARY = "serve the rewards over HTTP for verl: POST /score, POST /score_batch";
const OWN_FLAGS = [
  { flag: "--port N", doc: `port to listen on; 0 = a free one (printed); default ${DEFAULT_PORT}` },
  { flag: "--host H", doc: `address to listen on; default ${DEFAULT_HOST} (this machine only)` },
];
const PYTHON_CLIENT = new URL("../verl/grpo_lab_reward.py", import.meta.url).pathname;

if (import.meta.main) {
  const argv = [...Deno.args];
  let port: number;
  let host: string;
  try {
    port = parsePort(takeFlag(argv, "--port"));
    host = takeFlag(argv, "--host") ?? DEFAULT_HOST;
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    Deno.exit(2);
  }
  const config = rewardConfigOrExit("serve-rewards", SUMMARY, OWN_FLAGS, argv);
  const scoring = await loadScoringOrExit(config);
  await runCommand(async () => {
    const handler = rewardHandler(scoring, (line) => console.error(line));
    let server: Deno.HttpServer;
    try {
      server = Deno.serve({
        port,
        hostname: host,
        onListen: ({ hostname, port }) => {
          const url = `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
          console.log(`serve-rewards: rewards ${describeScoring(scoring)}`);
          console.log(`serve-rewards: listening on ${url} (POST /score, POST /score_batch, GET /)`);
          console.log(
            `serve-rewards: verl: GRPO_LAB_REWARD_URL=${url}, custom_reward_function.path=${PYTHON_CLIENT}`,
          );
        },
      }, handler);
    } catch (e) {
      throw new Error(`cannot listen on ${host}:${port}: ${(e as Error).message}`);
    }
    // SIGINT (Ctrl-C) and SIGTERM close the server; requests in flight are answered first.
    const stop = () => server.shutdown();
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
    await server.finished;
    Deno.removeSignalListener("SIGINT", stop);
    Deno.removeSignalListener("SIGTERM", stop);
    console.error("serve-rewards: stopped");
  });
}
