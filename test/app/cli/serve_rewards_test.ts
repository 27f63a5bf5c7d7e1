/**
 * serve-rewards: verl's arguments read in-process, the handler's answers, then the server as verl uses
 * it: a subprocess on a free port, called from python3 through app/verl/grpo_lab_reward.py.
 */
import { assert, assertEquals, assertThrows } from "../../assert.ts";
import { loadScoring, type Scoring } from "../../../app/cli/reward_scoring.ts";
import { FieldError, solutionOf, verlBatchRows, verlRow } from "../../../app/cli/score_input.ts";
import { rewardHandler } from "../../../app/cli/serve_rewards.ts";
import { allowedHosts } from "../../../app/cli/http_limits.ts";
import { startServer } from "./serve_rewards_server.ts";

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
