/**
 * Custom reward modules run in a worker that may only read their own folder, are never fetched from a
 * URL, and fail a call (naming the reward and the row) when they do not return within reward_timeout_s,
 * after which a new worker answers. Every module here is a real file on disk.
 */
import { assert, assertEquals, assertRejects } from "../../assert.ts";
import { makeSample } from "../../../core/data/mod.ts";
import { rewardSample } from "../../../core/rewards/registry.ts";
import {
  closeRewards,
  type LoadedReward,
  loadRewardSet,
  rewardContext,
  rewardNotes,
  type RewardSetSpec,
  scoreRewards,
} from "../../../core/rewards/reward_set.ts";
import { openCustomReward } from "../../../workers/custom_reward.ts";
import { Notes } from "../../../core/notes.ts";

const sample = rewardSample(makeSample("count", 5, 0));

/** A temp folder holding a secret file and, in rewards/, the modules; rewards/ is the modules' folder. */
async function folder(modules: Record<string, string>): Promise<{ dir: string; rewards: string }> {
  const dir = await Deno.makeTempDir({ prefix: "grpo-lab-sandbox-" });
  await Deno.writeTextFile(`${dir}/secret.txt`, "the secret");
  await Deno.mkdir(`${dir}/rewards`);
  for (const [name, text] of Object.entries(modules)) {
    await Deno.writeTextFile(`${dir}/rewards/${name}`, text);
  }
  return { dir, rewards: `${dir}/rewards/` };
}

/** The rewards of `names`, each custom_rewards.NAME = rewards/NAME.js. */
function spec(names: string[], extra: Partial<RewardSetSpec> = {}): RewardSetSpec {
  return {
    reward_funcs: names,
    reward_options: {},
    custom_rewards: Object.fromEntries(names.map((n) => [n, `rewards/${n}.js`])),
    ...extra,
  };
}

const score = (rewards: LoadedReward[], completions: string[]) =>
  scoreRewards(rewards, completions, completions.map(() => sample), rewardContext(new Notes()));

Deno.test("a custom reward cannot read outside its folder, nor use env, run, write, net or import", async () => {
  let requests = 0;
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, () => {
    requests++;
    return new Response("export default () => 1;");
  });
  const url = `http://127.0.0.1:${server.addr.port}/x.js`;
  const { dir, rewards } = await folder({
    "peek.js":
      `export default async () => (await Deno.readTextFile(new URL("../secret.txt", import.meta.url))).length;`,
    "env.js": `export default () => Deno.env.get("HOME").length;`,
    "run.js": `export default async () => (await new Deno.Command("true").output()).code;`,
    "write.js":
      `export default async () => { await Deno.writeTextFile(new URL("./x.txt", import.meta.url), "x"); return 1; };`,
    "net.js": `export default async () => (await fetch("${url}")).status;`,
    "remote.js": `export default async () => (await import("${url}")).default();`,
    "own.js":
      `export default async () => (await Deno.readTextFile(new URL("./data.txt", import.meta.url))).length;`,
    "data.txt": "12345",
  });
  const loaded = await loadRewardSet(
    spec(["peek", "env", "run", "write", "net", "remote", "own"]),
    new URL(`file://${dir}/`),
    openCustomReward,
  );
  try {
    const failure = async (i: number) =>
      (await assertRejects(() => score([loaded[i]], ["x"]))).message.replace(/\n.*/s, "");
    const row = `failed on row 0 (sample ${sample.id})`;
    assertEquals(
      await failure(0),
      `reward "peek" ${row}: Requires read access to "${dir}/secret.txt", run again with the --allow-read flag`,
    );
    assertEquals(
      await failure(1),
      `reward "env" ${row}: Requires env access to "HOME", run again with the --allow-env flag`,
    );
    assertEquals(
      await failure(2),
      `reward "run" ${row}: Requires run access to "true", run again with the --allow-run flag`,
    );
    assertEquals(
      await failure(3),
      `reward "write" ${row}: Requires write access to "${rewards}x.txt", run again with the --allow-write flag`,
    );
    assertEquals(
      await failure(4),
      `reward "net" ${row}: Requires net access to "127.0.0.1:${server.addr.port}", run again with the ` +
        "--allow-net flag",
    );
    assertEquals(
      await failure(5),
      `reward "remote" ${row}: Requires import access to "127.0.0.1:${server.addr.port}", run again with ` +
        "the --allow-import flag",
    );
    assertEquals(requests, 0);
    // What it may do: read the files beside it.
    assertEquals(await score([loaded[6]], ["x"]), [[5]]);
    await assertRejects(() => Deno.stat(`${rewards}x.txt`), Deno.errors.NotFound);
  } finally {
    await closeRewards(loaded);
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadRewardSet() refuses a custom reward given as a URL, naming the key", async () => {
  for (const [path, scheme] of [["http://127.0.0.1:1/x.js", "http"], ["data:text/javascript,1", "data"]]) {
    await assertRejects(
      () =>
        loadRewardSet(spec(["x"], { custom_rewards: { x: path } }), new URL("file:///"), openCustomReward),
      Error,
      `custom_rewards.x: "${path}" is a ${scheme}: URL; a custom reward must be a file path (its code runs ` +
        "on this machine, so it is never fetched from elsewhere)",
    );
  }
});

Deno.test("a custom module is imported only in its worker, and says where its code comes from", async () => {
  // Its top level marks the thread it runs on; this thread must stay unmarked.
  const { dir, rewards } = await folder({
    "mark.js": "globalThis.grpoLabMarked = true; export default () => globalThis.grpoLabMarked ? 2 : 0;",
  });
  const loaded = await loadRewardSet(spec(["mark"]), new URL(`file://${dir}/`), openCustomReward);
  try {
    assertEquals((globalThis as { grpoLabMarked?: boolean }).grpoLabMarked, undefined);
    assertEquals(await score(loaded, ["x"]), [[2]]);
    assertEquals(rewardNotes(loaded), [
      `custom reward mark: runs code from ${rewards}mark.js (in a worker that may only read ${rewards}: ` +
      "no write, net, env, run, ffi or sys)",
    ]);
  } finally {
    await closeRewards(loaded);
    await Deno.remove(dir, { recursive: true });
  }
});

for (
  const [kind, body] of [
    ["an endless loop", "while (true) {}"],
    ["a promise that never settles", "return new Promise(() => {});"],
  ]
) {
  Deno.test(`a custom reward stuck in ${kind} fails the call naming the row, then a new worker answers`, async () => {
    const { dir } = await folder({
      "stuck.js": `export default (completion) => { if (completion === "stuck") { ${body} } return 1; };`,
    });
    const loaded = await loadRewardSet(
      spec(["stuck"], { reward_timeout_s: 1 }),
      new URL(`file://${dir}/`),
      openCustomReward,
    );
    try {
      const t0 = performance.now();
      await assertRejects(
        () => score(loaded, ["ok", "stuck", "ok"]),
        Error,
        `reward "stuck" failed on row 1 (sample ${sample.id}): did not return within 1 s (reward_timeout_s); ` +
          "its worker was stopped and the next call starts a new one",
      );
      const seconds = (performance.now() - t0) / 1000;
      assert(seconds >= 1 && seconds < 5, `the call failed after ${seconds} s`);
      assertEquals(await score(loaded, ["ok", "ok"]), [[1, 1]]);
    } finally {
      await closeRewards(loaded);
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("a slow custom reward that keeps returning rows is not cut off by reward_timeout_s", async () => {
  // Each row takes 0.4 s, 2 s in all: more than the timeout, but never 1 s without a row returning.
  const { dir } = await folder({
    "slow.js":
      "export default () => { const end = Date.now() + 400; while (Date.now() < end) {} return 1; };",
  });
  const loaded = await loadRewardSet(
    spec(["slow"], { reward_timeout_s: 1 }),
    new URL(`file://${dir}/`),
    openCustomReward,
  );
  try {
    assertEquals(await score(loaded, ["a", "b", "c", "d", "e"]), [[1, 1, 1, 1, 1]]);
  } finally {
    await closeRewards(loaded);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a custom module whose import never finishes fails the load after reward_timeout_s", async () => {
  const { dir } = await folder({ "hangs.js": "while (true) {} export default () => 1;" });
  try {
    await assertRejects(
      () =>
        loadRewardSet(spec(["hangs"], { reward_timeout_s: 1 }), new URL(`file://${dir}/`), openCustomReward),
      Error,
      'custom reward "hangs": loading rewards/hangs.js did not finish within 1 s (reward_timeout_s)',
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
