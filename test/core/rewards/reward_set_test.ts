import { assertEquals, assertRejects, assertThrows } from "../../assert.ts";
import { makeSample } from "../../../core/data/mod.ts";
import { REWARDS, rewardSample } from "../../../core/rewards/registry.ts";
import {
  loadRewardSet,
  resolveOptions,
  rewardContext,
  type RewardSetSpec,
  scoreRewards,
  subSpec,
} from "../../../core/rewards/reward_set.ts";
import type { RewardDefinition } from "../../../core/rewards/types.ts";
import { workerScorer } from "../../../workers/reward_scorer.ts";
import { openCustomReward } from "../../../workers/custom_reward.ts";
import { Notes } from "../../../core/notes.ts";

const sample = rewardSample(makeSample("count", 5, 0));
const spec = (over: Partial<RewardSetSpec>): RewardSetSpec => ({
  reward_funcs: ["format"],
  reward_options: {},
  custom_rewards: {},
  ...over,
});

/** A folder with custom reward modules, written for real, and its file: URL. */
async function moduleFolder(files: Record<string, string>): Promise<{ dir: string; base: URL }> {
  const dir = await Deno.makeTempDir({ prefix: "grpo-lab-rewards-" });
  for (const [name, text] of Object.entries(files)) await Deno.writeTextFile(`${dir}/${name}`, text);
  return { dir, base: new URL(`file://${dir}/`) };
}

const LENGTH_MODULE =
  `export default (completion, sample) => completion.length / 100 + (sample.solution === "2" ? 1 : 0);`;
const DEFINITION_MODULE = `export default {
  fn: (completion, _sample, options) => completion.includes(options.word) ? options.score : 0,
  defaults: { word: "circle", score: 0.5 },
  range: "{0, score}",
};`;

/** A definition whose options cover every option type, for resolveOptions(). */
const TYPED: RewardDefinition = {
  name: "typed",
  fn: () => 0,
  defaults: { n: 3, on: false, tag: "think", tags: ["think", "answer"], xs: [0.5] },
  range: "{0}",
  doc: "test",
  source: "test",
};

Deno.test("resolveOptions() coerces command-line strings to the defaults' types", () => {
  assertEquals(resolveOptions(TYPED, { n: "4", on: "yes", tag: "scan", tags: "scan,think", xs: "1,2.5" }), {
    n: 4,
    on: true,
    tag: "scan",
    tags: ["scan", "think"],
    xs: [1, 2.5],
  });
  assertEquals(resolveOptions(TYPED, {}), TYPED.defaults);
});

Deno.test("resolveOptions() names the key of an unknown option and of a bad value", () => {
  assertEquals(
    assertThrows(() => resolveOptions(TYPED, { tagss: ["a"] })).message,
    'unknown reward option "reward_options.typed.tagss": known ones are n, on, tag, tags, xs. Did you mean "tags"?',
  );
  assertEquals(
    assertThrows(() => resolveOptions(TYPED, { n: "many" })).message,
    'bad value for "reward_options.typed.n": "many" is not a number',
  );
  assertEquals(
    assertThrows(() => resolveOptions(TYPED, { xs: "1,x" })).message,
    'bad value for "reward_options.typed.xs": "1,x" is not a list of numbers ("1,0.5" or a JSON array)',
  );
});

Deno.test("loadRewardSet() names an unknown reward, lists the known ones and suggests the nearest", async () => {
  const e = await assertRejects(() =>
    loadRewardSet(spec({ reward_funcs: ["formt"] }), new URL("file:///"), openCustomReward)
  );
  assertEquals(
    e.message,
    `unknown reward function "formt": known ones are ${Object.keys(REWARDS).join(", ")}. ` +
      'Did you mean "format"? (a module of your own goes in custom_rewards.NAME)',
  );
});

Deno.test("loadRewardSet() refuses options for a reward that is not used, and a custom name that shadows a built-in", async () => {
  await assertRejects(
    () => loadRewardSet(spec({ reward_options: { iou: {} } }), new URL("file:///"), openCustomReward),
    Error,
    'reward_options.iou is given but "iou" is not in reward_funcs (format)',
  );
  await assertRejects(
    () => loadRewardSet(spec({ custom_rewards: { format: "x.ts" } }), new URL("file:///"), openCustomReward),
    Error,
    'custom_rewards.format: "format" is a built-in reward',
  );
});

Deno.test("loadRewardSet() loads custom modules from real files: a function and a whole definition with options", async () => {
  const { dir, base } = await moduleFolder({ "length.js": LENGTH_MODULE, "word.js": DEFINITION_MODULE });
  try {
    const rewards = await loadRewardSet(
      spec({
        reward_funcs: ["format", "len", "word"],
        custom_rewards: { len: "length.js", word: `${dir}/word.js` },
        reward_options: { word: { word: "red" } },
      }),
      base,
      openCustomReward,
    );
    assertEquals(rewards.map((r) => r.name), ["format", "len", "word"]);
    assertEquals(rewards[2].options, { word: "red", score: 0.5 });
    const completion = "<think>red</think><answer>2</answer>"; // 36 characters
    const scores = await scoreRewards(rewards, [completion], [sample], rewardContext(new Notes()));
    assertEquals(scores, [[1], [0.36 + (sample.solution === "2" ? 1 : 0)], [0.5]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadRewardSet() says which custom module is missing or has no default function", async () => {
  const { dir, base } = await moduleFolder({ "none.js": "export const reward = () => 1;" });
  try {
    const missing = await assertRejects(() =>
      loadRewardSet(
        spec({ reward_funcs: ["mine"], custom_rewards: { mine: "nowhere.js" } }),
        base,
        openCustomReward,
      )
    );
    assertEquals(
      missing.message.startsWith(`custom reward "mine": cannot load nowhere.js (${base.href}nowhere.js)`),
      true,
    );
    await assertRejects(
      () =>
        loadRewardSet(
          spec({ reward_funcs: ["mine"], custom_rewards: { mine: "none.js" } }),
          base,
          openCustomReward,
        ),
      Error,
      'custom reward "mine": none.js has no default export that is a function',
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scoreRewards() fails with the reward's name and row when a reward throws or returns NaN", async () => {
  const { dir, base } = await moduleFolder({
    "nan.js": "export default (c) => c === 'bad' ? NaN : 1;",
    "throws.js": "export default (c) => { if (c === 'bad') throw new Error('boom'); return null; };",
  });
  try {
    const rewards = await loadRewardSet(
      spec({ reward_funcs: ["nan", "throws"], custom_rewards: { nan: "nan.js", throws: "throws.js" } }),
      base,
      openCustomReward,
    );
    assertEquals(await scoreRewards(rewards, ["ok"], [sample], rewardContext(new Notes())), [[1], [null]]);
    await assertRejects(
      () => scoreRewards(rewards.slice(0, 1), ["ok", "bad"], [sample, sample], rewardContext(new Notes())),
      Error,
      `reward "nan" failed on row 1 (sample ${sample.id}): returned NaN`,
    );
    await assertRejects(
      () => scoreRewards(rewards.slice(1), ["bad"], [sample], rewardContext(new Notes())),
      Error,
      `reward "throws" failed on row 0 (sample ${sample.id}): boom`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a custom reward module scores the same in the reward worker as in this thread", async () => {
  const { dir } = await moduleFolder({ "length.js": LENGTH_MODULE });
  const scorer = workerScorer();
  try {
    // The worker resolves relative paths from the project root, so give it an absolute one.
    const s = spec({ reward_funcs: ["format", "len"], custom_rewards: { len: `${dir}/length.js` } });
    const rows = ["<think>a</think><answer>2</answer>", "no tags"];
    const got = await scorer.score(s, rows, [sample, sample]);
    const bonus = sample.solution === "2" ? 1 : 0;
    assertEquals(got.scores, [[1, 0], [34 / 100 + bonus, 7 / 100 + bonus]]);
  } finally {
    await scorer.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("subSpec() keeps only the named rewards and their options", () => {
  const s = spec({ reward_funcs: ["format", "iou"], reward_options: { iou: { a: 1 }, format: { b: 2 } } });
  assertEquals(subSpec(s, ["iou"]), {
    reward_funcs: ["iou"],
    reward_options: { iou: { a: 1 } },
    custom_rewards: {},
  });
});

Deno.test("rewardContext(new Notes()) keeps each said line once", () => {
  const ctx = rewardContext(new Notes());
  ctx.sayOnce("a");
  ctx.sayOnce("b");
  ctx.sayOnce("a");
  assertEquals(ctx.notes.said, ["a", "b"]);
});

Deno.test("a reward worker that dies fails the call with its reason instead of hanging", async () => {
  // The module's reward throws outside any call, as a bug in a timer would: an uncaught error in the worker.
  const { dir } = await moduleFolder({
    "dies.js":
      "export default () => { setTimeout(() => { throw new Error('boom in a timer'); }); return 1; };",
  });
  const scorer = workerScorer();
  try {
    const s = spec({ reward_funcs: ["dies"], custom_rewards: { dies: `${dir}/dies.js` } });
    // The first call may answer before the timer fires; once it has fired, the worker is dead.
    await scorer.score(s, ["x"], [sample]).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The module runs in its own sandboxed worker, started from the reward worker: that one crashes.
    await assertRejects(
      () => scorer.score(s, ["x"], [sample]),
      Error,
      'the custom reward "dies" worker crashed: Uncaught Error: boom in a timer',
    );
  } finally {
    await scorer.close();
    await Deno.remove(dir, { recursive: true });
  }
});
