/**
 * A GRPO step whose custom reward never returns fails after reward_timeout_s, naming the reward and the
 * row, instead of hanging; the reward's worker is replaced, so that the next step scores again. The
 * module is a real file that reads mode.txt beside it (reading its own folder is what it may do), so
 * that the test can switch it from stuck to working between steps.
 */
import { assertEquals, assertRejects } from "../../assert.ts";
import { DENO_ASSETS } from "../../helpers/assets.ts";
import { TrainerSession } from "../../../core/train/session.ts";
import { testConfig } from "../../helpers/tiny_lab.ts";
import { openCustomReward } from "../../../workers/custom_reward.ts";

const STUCK = {
  "an endless loop": "while (true) {}",
  "a promise that never settles": "return new Promise(() => {});",
};

for (const [kind, body] of Object.entries(STUCK)) {
  Deno.test(`grpoStep() fails naming the reward and the row when a custom reward is stuck in ${kind}`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "grpo-lab-stuck-step-" });
    await Deno.writeTextFile(`${dir}/mode.txt`, "stuck");
    await Deno.writeTextFile(
      `${dir}/stuck.js`,
      `export default async () => {
        const mode = await Deno.readTextFile(new URL("./mode.txt", import.meta.url));
        if (mode === "stuck") { ${body} }
        return 0.5;
      };`,
    );
    const s = new TrainerSession({ openCustomReward });
    try {
      await s.init(
        testConfig({
          model: "tiny",
          task: "count",
          seed: 3,
          image_size: 56,
          per_device_train_batch_size: 1,
          num_generations: 2,
          max_completion_length: 4,
          beta: 0,
          reward_funcs: ["format", "stuck"],
          custom_rewards: { stuck: `${dir}/stuck.js` },
          reward_timeout_s: 1,
          backend: "cpu",
        }),
        DENO_ASSETS,
      );
      const e = await assertRejects(() => s.grpoStep());
      assertEquals(
        e.message.replace(/sample [^)]+/, "sample S"),
        'reward "stuck" failed on row 0 (sample S): did not return within 1 s (reward_timeout_s); its ' +
          "worker was stopped and the next call starts a new one",
      );
      await Deno.writeTextFile(`${dir}/mode.txt`, "working");
      const { metrics } = await s.grpoStep();
      assertEquals(metrics["rewards/stuck/mean"], 0.5);
    } finally {
      await s.dispose();
      await Deno.remove(dir, { recursive: true });
    }
  });
}
