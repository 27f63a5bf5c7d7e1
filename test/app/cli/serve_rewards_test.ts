/**
 * serve-rewards: verl's arguments read in-process, the handler's answers, then the server as verl uses
 * it: a subprocess on a free port, called from python3 through app/verl/grpo_lab_reward.py.
 */
import { assert, assertEquals, assertThrows } from "../../assert.ts";
import { loadScoring, type Scoring } from "../../../app/cli/reward_scoring.ts";
import { FieldError, solutionOf, verlBatchRows, verlRow } from "../../../app/cli/score_input.ts";
import { openWarning, rewardHandler } from "../../../app/cli/serve_rewards.ts";
import { allowedHosts, isLoopback } from "../../../app/cli/http_limits.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;

Deno.test("solutionOf() turns each shape of verl's ground_truth into a solution string", () => {
  assertEquals(solutionOf("red", "g"), { solution: "red", meta: {} });
  assertEquals(solutionOf(3, "g"), { solution: "3", meta: {} });
  assertEquals(solutionOf(2.5, "g"), { solution: "2.5", meta: {} });
  assertEquals(solutionOf([12, 30, 40, 58], "g"), { solution: "[12, 30, 40, 58]", meta: {} });
  assertEquals(solutionOf(["cat", "dog"], "g"), { solution: "(1) cat (2) dog", meta: {} });
  assertEquals(solutionOf({ answer: 4, count: 4, colour: "red" }, "g"), {
    solution: "4",
    meta: { count: 4, colour: "red" },
  });
  for (const bad of [null, true, [], [1, "a"], { label: "x" }, Infinity]) {
    assertThrows(() => solutionOf(bad, "g"), FieldError, '"g');
  }
});

Deno.test("verlRow() reads extra_info's id, task, prompt, image size and meta; other keys are ignored", () => {
  const row = verlRow({
    data_source: "count",
    solution_str: "<answer>3</answer>",
    ground_truth: { solution: "3", count: 3 },
    extra_info: { index: 12, split: "train", question: "How many?", image_size: [56, 56], meta: { a: 1 } },
  });
  assertEquals(row, {
    completion: "<answer>3</answer>",
    sample: {
      id: "12",
      task: "count",
      prompt: "How many?",
      solution: "3",
      reference: "",
      meta: { count: 3, a: 1 },
      imageSize: [56, 56],
    },
  });
});

Deno.test("verlRow() and verlBatchRows() name the field at fault", () => {
  const cases: [() => unknown, string][] = [
    [() => verlRow([]), "body"],
    [() => verlRow({ solution_str: "x" }), "ground_truth"],
    [() => verlRow({ solution_str: 3, ground_truth: "3" }), "solution_str"],
    [() => verlRow({ solution: "x", ground_truth: "3" }), "solution"],
    [
      () => verlRow({ solution_str: "x", ground_truth: "3", extra_info: { image_size: "big" } }),
      "extra_info.image_size",
    ],
    [() => verlBatchRows({ solution_strs: ["x", "y"], ground_truths: ["1"] }), "ground_truths"],
    [() => verlBatchRows({ solution_strs: ["x"], ground_truths: [null] }), "ground_truths[0]"],
    [() => verlBatchRows({ solution_strs: ["x"], ground_truths: ["1"], extra_infos: [3] }), "extra_infos[0]"],
  ];
  for (const [call, field] of cases) {
    const e = assertThrows(call, FieldError) as FieldError;
    assertEquals(e.field, field, e.message);
  }
});

const REWARDS = { reward_funcs: ["format", "accuracy", "iou"], reward_weights: [1, 2, 0.5] };
const LIMITS = { hosts: allowedHosts("127.0.0.1", 8765), maxBodyMb: 8, bodyTimeoutS: 60 };

async function ask(
  handler: (req: Request) => Promise<Response>,
  method: string,
  path: string,
  body?: string,
) {
  const headers = { host: "localhost:8765", "content-type": "application/json" };
  const res = await handler(new Request(`http://localhost${path}`, { method, body, headers }));
  return { status: res.status, body: await res.json() };
}

Deno.test("rewardHandler() answers 404, 405, 400 and 500 with an error that says why", async () => {
  const said: string[] = [];
  const scoring = await loadScoring({ ...REWARDS, reward_options: {}, custom_rewards: {} });
  const handler = rewardHandler(scoring, (line) => said.push(line), LIMITS);
  assertEquals(await ask(handler, "GET", "/"), {
    status: 200,
    body: {
      rewards: ["format", "accuracy", "iou"],
      weights: [1, 2, 0.5],
      routes: ["POST /score", "POST /score_batch", "GET /"],
    },
  });
  assertEquals((await ask(handler, "GET", "/nope")).status, 404);
  assertEquals(await ask(handler, "GET", "/score"), {
    status: 405,
    body: { error: "/score takes POST, not GET" },
  });
  assertEquals(
    await ask(handler, "POST", "/score", '{"solution_str": "x", "ground_truth": "1", "extra": 1}'),
    {
      status: 400,
      body: {
        error: 'unknown field "extra"; the fields are data_source, solution_str, ground_truth, extra_info',
        field: "extra",
      },
    },
  );
  assertEquals((await ask(handler, "POST", "/score_batch", "{")).body.field, "body");
  assertEquals(
    said[0],
    "serve-rewards: 404 GET /nope: no route /nope; the routes are POST /score, POST /score_batch, GET /",
  );

  const broken: Scoring = {
    ...scoring,
    score: () => Promise.reject(new Error('reward "x" failed on row 0')),
  };
  assertEquals(
    await ask(
      rewardHandler(broken, () => {}, LIMITS),
      "POST",
      "/score",
      '{"solution_str": "x", "ground_truth": "1"}',
    ),
    {
      status: 500,
      body: { error: 'reward "x" failed on row 0' },
    },
  );
});

const HAS_PYTHON = (() => {
  try {
    return new Deno.Command("python3", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
})();

/** Starts serve-rewards on a free port; resolves once it prints its address. */
async function startServer(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}app/cli/serve_rewards.ts`, "--port", "0", ...args],
    cwd: await Deno.makeTempDir(),
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let stdout = "";
  let url: string | undefined;
  while (url === undefined) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`serve-rewards exited before listening:\n${stdout}\n${await stderr}`);
    stdout += value;
    url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
  }
  // Read on to the end, so that the pipe never fills and is closed when the server stops.
  const rest = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return stdout;
      stdout += value;
    }
  })();
  return { url, child, stdout: rest, stderr };
}

/** Runs Python code with app/verl importable and the server's URL set; parses its stdout as JSON. */
async function python(code: string, url: string) {
  const out = await new Deno.Command("python3", {
    args: ["-c", code],
    env: {
      PYTHONPATH: `${ROOT}app/verl`,
      PYTHONDONTWRITEBYTECODE: "1", // no __pycache__ left in the source tree
      GRPO_LAB_REWARD_URL: url,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, stderr);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

const CALLS = `
import json, math, urllib.error, urllib.request
import grpo_lab_reward as g

out = {}
# format 1, accuracy 1 (2 = "2"), iou null: total 1 + 2 = 3.
out["single"] = g.compute_score("count", "<think>a</think><answer>2</answer>", 2, {"image_size": [56, 56], "index": 4})
out["batch"] = g.compute_score_batch(
    ["count", "grounding", "grounding"],
    ["<think>a</think><answer>2</answer>", "<think>b</think><answer>[0, 0, 10, 10]</answer>",
     "<think>c</think><answer>[0, 0, 10, 10]</answer>"],
    ["3", [0, 0, 10, 20], {"solution": [5, 0, 15, 10]}],
    [None, {"question": "Where is the cat?"}, None],
)
out["nan"] = math.isnan(g.compute_score("count", "x", "3", null="nan")["iou"])
try:
    g.compute_score("count", "x", "3", {"image_size": "big"})
except g.RewardServerError as e:
    out["bad"] = {"status": e.status, "field": e.field, "message": str(e)}
try:
    urllib.request.build_opener(urllib.request.ProxyHandler({})).open(g._settings(None, None, None)[0] + "/nope")
except urllib.error.HTTPError as e:
    out["unknown_route"] = e.code
print(json.dumps(out))
`;

const DOWN = `
import json
import grpo_lab_reward as g
try:
    g.compute_score("count", "x", "3", timeout=5)
    print(json.dumps({"raised": False}))
except g.RewardServerError as e:
    print(json.dumps({"raised": True, "status": e.status, "message": str(e)}))
`;

Deno.test({
  name: "serve-rewards answers verl's compute_score and batch calls from python3 with exact scores",
  ignore: !HAS_PYTHON,
  fn: async () => {
    const server = await startServer(["--rewards", "format,accuracy,iou", "--weights", "1,2,0.5"]);
    let results;
    try {
      results = await python(CALLS, server.url);
    } finally {
      server.child.kill("SIGTERM");
    }
    const status = await server.child.status;
    const [stdout, stderr] = [await server.stdout, await server.stderr];
    assertEquals(status.code, 0, stderr);
    assert(stdout.includes("serve-rewards: rewards format ×1, accuracy ×2, iou ×0.5"), stdout);
    assertEquals(results, {
      single: { score: 3, format: 1, accuracy: 1, iou: null },
      batch: [
        // "2" against "3": format 1 only; total 1.
        { score: 1, format: 1, accuracy: 0, iou: null },
        // IoU 100/200 = 0.5 >= 0.5: accuracy 1; total 1 + 2 + 0.5 · 0.5 = 3.25.
        { score: 3.25, format: 1, accuracy: 1, iou: 0.5 },
        // Against [5, 0, 15, 10]: IoU 50/150 = 1/3, accuracy 0; total 1 + 0.5/3 = 7/6, as float32.
        { score: 1.1666666, format: 1, accuracy: 0, iou: 1 / 3 },
      ],
      nan: true,
      bad: {
        status: 400,
        field: "extra_info.image_size",
        message: `grpo-lab reward server ${server.url}/score answered 400: ` +
          '"extra_info.image_size" must be [width, height] (two numbers > 0), got "big"',
      },
      unknown_route: 404,
    });
    assert(stderr.includes("serve-rewards: 400 POST /score: "), stderr);
    assert(stderr.includes("serve-rewards: stopped"), stderr);

    // The server is gone: the client says so, naming the URL and how to start one.
    const down = await python(DOWN, server.url);
    assertEquals([down.raised, down.status], [true, null]);
    assert(down.message.startsWith(`grpo-lab reward server ${server.url} is not reachable`), down.message);
  },
});

Deno.test("allowedHosts() gives the loopback names with the port, and null (any) beyond loopback", () => {
  assertEquals(allowedHosts("127.0.0.1", 8765), ["127.0.0.1:8765", "localhost:8765", "[::1]:8765"]);
  assertEquals(allowedHosts("::1", 80), [
    "127.0.0.1:80",
    "localhost:80",
    "[::1]:80",
    "127.0.0.1",
    "localhost",
    "[::1]",
  ]);
  assertEquals(allowedHosts("127.0.0.2", 1), ["127.0.0.1:1", "localhost:1", "[::1]:1", "127.0.0.2:1"]);
  assertEquals(allowedHosts("0.0.0.0", 8765), null);
  assertEquals(allowedHosts("10.0.0.5", 8765), null);
  assertEquals(["LOCALHOST", "127.9.9.9", "0.0.0.0", "::", "127.0.0.1.nip.io"].map(isLoopback), [
    true,
    true,
    false,
    false,
    false,
  ]);
});

/**
 * Sends `request` on a raw TCP connection (Host and all, as a browser or a slow client would) and reads
 * the answer to the server's close; throws when the server has not closed within `limitMs`.
 * `halfClose` ends the sending side after the request, as a client that breaks off does.
 */
async function rawHttp(
  url: string,
  request: string | Uint8Array,
  { halfClose = false, limitMs = 5000 } = {},
) {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  const started = Date.now();
  const timer = setTimeout(() => conn.close(), limitMs);
  let text = "";
  try {
    await conn.write(typeof request === "string" ? new TextEncoder().encode(request) : request);
    if (halfClose) await conn.closeWrite();
    const chunk = new Uint8Array(65536);
    for (let n; (n = await conn.read(chunk)) !== null;) {
      text += new TextDecoder().decode(chunk.subarray(0, n));
    }
  } catch (e) {
    throw new Error(`the server did not close the connection within ${limitMs} ms (${e}); it sent ${text}`);
  } finally {
    clearTimeout(timer);
  }
  conn.close();
  const answer = text.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, "");
  const status = Number(/^HTTP\/1\.1 (\d+)/.exec(answer)?.[1]);
  return { status, body: JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)), ms: Date.now() - started };
}

/** A POST to /score with these headers (Host, Content-Type, ...) and body; Content-Length unless given. */
function post(headers: Record<string, string | number>, body = "") {
  const framed = "content-length" in headers || "transfer-encoding" in headers;
  const all = framed ? headers : { ...headers, "content-length": new TextEncoder().encode(body).length };
  const lines = Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  return `POST /score HTTP/1.1\r\n${lines}\r\n${body}`;
}

const ROW = '{"solution_str": "<think>a</think><answer>1</answer>", "ground_truth": "1"}';
const SCORED = { score: 3, format: 1, accuracy: 1, iou: null };

/** rawHttp()'s status and body only. */
async function answer(url: string, request: string | Uint8Array, options: { halfClose?: boolean } = {}) {
  const { status, body } = await rawHttp(url, request, options);
  return { status, body };
}

Deno.test("serve-rewards refuses, before any reward runs, what a hostile page or a slow client sends", async (t) => {
  const server = await startServer([
    "--rewards",
    "format,accuracy,iou",
    "--weights",
    "1,2,0.5",
    "--max-body-mb",
    "0.001", // 1048 bytes
    "--body-timeout-s",
    "1",
    "--header-timeout-s",
    "1",
  ]);
  const port = new URL(server.url).port;
  const host = `127.0.0.1:${port}`;
  const json = { host, "content-type": "application/json", connection: "close" };
  try {
    await t.step("a Host other than the loopback names is 421 naming it (DNS rebinding)", async () => {
      const refused = (name: string) => ({
        status: 421,
        body: {
          error: `Host "${name}" is not this server's address; serve-rewards answers only to ${host}, ` +
            `localhost:${port}, [::1]:${port} (a web page that renamed this machine by DNS rebinding sends ` +
            "its own name); call it by one of those, or start it with --host ADDRESS to let other machines " +
            "call it",
        },
      });
      const rebound = `rebind.example:${port}`;
      assertEquals(await answer(server.url, post({ ...json, host: rebound }, ROW)), refused(rebound));
      assertEquals(
        await answer(server.url, `GET / HTTP/1.1\r\nhost: ${rebound}\r\nconnection: close\r\n\r\n`),
        refused(rebound),
      );
      assertEquals(await answer(server.url, post({ ...json, host: `localhost:${port}` }, ROW)), {
        status: 200,
        body: SCORED,
      });
      assertEquals(await answer(server.url, post({ ...json, host: `[::1]:${port}` }, ROW)), {
        status: 200,
        body: SCORED,
      });
    });

    await t.step("a POST that is not application/json is 415 (a cross-origin text/plain form)", async () => {
      assertEquals(await answer(server.url, post({ ...json, "content-type": "text/plain" }, ROW)), {
        status: 415,
        body: { error: 'the request must have Content-Type: application/json, got "text/plain"' },
      });
      const { "content-type": _, ...untyped } = json;
      assertEquals(await answer(server.url, post(untyped, ROW)), {
        status: 415,
        body: { error: "the request must have Content-Type: application/json, got none" },
      });
      const utf8 = { ...json, "content-type": "Application/JSON; charset=utf-8" };
      assertEquals(await answer(server.url, post(utf8, ROW)), { status: 200, body: SCORED });
    });

    await t.step("a body past --max-body-mb is 413, by its Content-Length or by counting it", async () => {
      const over = (what: string) => ({
        status: 413,
        body: {
          error: `the request body is ${what}, over the 0.001 MiB limit (1048 bytes); send fewer rows per ` +
            "request or raise --max-body-mb",
          field: "body",
        },
      });
      // Only the headers are sent: the answer comes without waiting for the 2000 bytes announced.
      assertEquals(
        await answer(server.url, post({ ...json, "content-length": 2000 })),
        over("2000 bytes (Content-Length)"),
      );
      const chunk = `258\r\n${" ".repeat(600)}\r\n`; // 0x258 = 600 bytes, twice: 1200 > 1048
      assertEquals(
        await answer(server.url, post({ ...json, "transfer-encoding": "chunked" }, chunk + chunk)),
        over("over 1048 bytes (no Content-Length)"),
      );
      const fits = ROW + " ".repeat(1048 - ROW.length);
      assertEquals(await answer(server.url, post({ ...json, "content-length": 1048 }, fits)), {
        status: 200,
        body: SCORED,
      });
    });

    await t.step("a body cut off or not JSON is 400 naming the body, not a 500 with a stack", async () => {
      assertEquals(
        await answer(server.url, post({ ...json, "content-length": 100 }, '{"solution_str": "x"'), {
          halfClose: true,
        }),
        {
          status: 400,
          body: {
            error: "the request body was cut off before the 100 bytes its Content-Length gives (the client " +
              "closed it); it is not complete JSON",
            field: "body",
          },
        },
      );
      const bad = await answer(server.url, post({ ...json, "content-length": 20 }, '{"solution_str": "x"'));
      assertEquals([bad.status, bad.body.field], [400, "body"]);
      assert(bad.body.error.startsWith("the request body is not valid JSON: "), bad.body.error);
      const head = new TextEncoder().encode(post({ ...json, "content-length": 3 }));
      const latin1 = new Uint8Array([...head, 0x22, 0xff, 0x22]); // '"ÿ"' in Latin-1
      assertEquals(await answer(server.url, latin1), {
        status: 400,
        body: { error: "the request body is not valid UTF-8; JSON must be sent as UTF-8", field: "body" },
      });
    });

    await t.step(
      "a client that stalls its body is answered 408 and dropped after --body-timeout-s",
      async () => {
        const stalled = await rawHttp(server.url, post({ ...json, "content-length": 100 }, '{"a"'));
        assertEquals(stalled.status, 408);
        assertEquals(stalled.body, {
          error:
            "the request body did not arrive within 1 s (4 bytes came of 100); the connection is closed " +
            "(--body-timeout-s)",
          field: "body",
        });
        assert(stalled.ms >= 900 && stalled.ms < 4000, `closed after ${stalled.ms} ms`);
      },
    );

    await t.step(
      "a client that stalls its headers is answered 408 and dropped after --header-timeout-s",
      async () => {
        const stalled = await rawHttp(server.url, `POST /score HTTP/1.1\r\nhost: ${host}\r\n`);
        assertEquals(stalled.status, 408);
        assertEquals(stalled.body, {
          error: `the request headers did not arrive within 1 s (${
            30 + host.length
          } bytes came); the connection is closed (--header-timeout-s)`,
        });
        assert(stalled.ms >= 900 && stalled.ms < 4000, `closed after ${stalled.ms} ms`);
      },
    );
  } finally {
    server.child.kill("SIGTERM");
  }
  const status = await server.child.status;
  const [stdout, stderr] = [await server.stdout, await server.stderr];
  assertEquals(status.code, 0, stderr);
  assert(!stdout.includes("any machine"), stdout);
  assert(!/^\s+at /m.test(stderr), stderr); // no stack trace
  assert(stderr.includes('serve-rewards: 421 POST /score: Host "rebind.example:'), stderr);
  assert(stderr.includes("serve-rewards: 408: the request headers did not arrive within 1 s"), stderr);
  assert(stderr.includes("serve-rewards: stopped"), stderr);
});

Deno.test("serve-rewards warns once when --host is not loopback, and then answers any Host", async () => {
  const server = await startServer(["--host", "0.0.0.0"]);
  const port = new URL(server.url).port;
  let scored;
  try {
    scored = await answer(
      `http://127.0.0.1:${port}`,
      post({ host: `gpu-box.lan:${port}`, "content-type": "application/json", connection: "close" }, ROW),
    );
  } finally {
    server.child.kill("SIGTERM");
  }
  await server.child.status;
  const stderr = await server.stderr;
  assertEquals(scored, { status: 200, body: { score: 2, format: 1, accuracy: 1 } });
  const warning = openWarning(`0.0.0.0:${port}`);
  assertEquals(
    warning,
    `serve-rewards: listening on 0.0.0.0:${port}: any machine that reaches this port can run the reward ` +
      "functions; the Host header is not checked. Leave out --host (127.0.0.1, this machine only) unless " +
      "verl runs on another machine, and keep the port behind a firewall",
  );
  assertEquals(stderr.split("\n").filter((line) => line === warning).length, 1, stderr);
});

Deno.test("serve-rewards refuses a limit flag that is not a number > 0, exit 2", async () => {
  for (
    const [args, message] of [
      [["--max-body-mb", "0"], 'error: --max-body-mb must be a number > 0 (MiB), got "0"'],
      [["--body-timeout-s", "soon"], 'error: --body-timeout-s must be a number > 0 (seconds), got "soon"'],
      [["--header-timeout-s", ""], 'error: --header-timeout-s must be a number > 0 (seconds), got ""'],
    ]
  ) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}app/cli/serve_rewards.ts`, ...args],
      stdout: "null",
      stderr: "piped",
    }).output();
    assertEquals([out.code, new TextDecoder().decode(out.stderr).trim()], [2, message]);
  }
});
