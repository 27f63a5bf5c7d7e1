/**
 * The reward part of `deno task bench`: every registered reward (blindfold aside: it needs the policy)
 * timed on adversarial completions of up to 10,000 characters and on ordinary ones. Rewards run on the
 * CPU whatever the backend, so this table is printed once. The same corpus drives
 * test/core/rewards/adversarial_test.ts, which checks the values; speed is only measured here.
 */
import { ADVERSARIAL_COMPLETIONS, benchSamples } from "../../core/rewards/adversarial.ts";
import { REWARDS } from "../../core/rewards/registry.ts";
import { loadRewardSet, rewardContext } from "../../core/rewards/reward_set.ts";
import { Notes } from "../../core/notes.ts";

export interface RewardTiming {
  name: string;
  /** The slowest single completion of the adversarial corpus, in ms. */
  worstMs: number;
  /** Mean per completion over the samples' reference completions, in µs. */
  typicalUs: number;
}

/** Times every reward but blindfold; each completion scored alone, the worst and the typical kept. */
export async function timeRewards(): Promise<RewardTiming[]> {
  const names = Object.keys(REWARDS).filter((n) => !REWARDS[n].needsPolicy);
  const rewards = await loadRewardSet(
    { reward_funcs: names, reward_options: {}, custom_rewards: {} },
    new URL("file:///"),
  );
  const samples = benchSamples();
  const ctx = { ...rewardContext(new Notes()), batch: samples };
  const out: RewardTiming[] = [];
  for (const { name, definition, options } of rewards) {
    let worstMs = 0;
    for (const sample of samples) {
      for (const completion of ADVERSARIAL_COMPLETIONS) {
        const t0 = performance.now();
        await definition.fn(completion, sample, options, ctx);
        worstMs = Math.max(worstMs, performance.now() - t0);
      }
    }
    const repeats = 200;
    const t0 = performance.now();
    for (let i = 0; i < repeats; i++) {
      for (const sample of samples) await definition.fn(sample.reference, sample, options, ctx);
    }
    const typicalUs = ((performance.now() - t0) * 1000) / (repeats * samples.length);
    out.push({ name, worstMs, typicalUs });
  }
  return out;
}

/** The table: reward, worst ms on the adversarial corpus, typical µs per completion. */
export function rewardTable(timings: readonly RewardTiming[]): string {
  const rows = timings.map((t) => [t.name, t.worstMs.toFixed(2), t.typicalUs.toFixed(1)]);
  const header = ["reward", "worst ms (adversarial, <= 10,000 chars)", "typical µs per completion"];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((s, c) => s.padEnd(widths[c])).join("  ");
  return [
    `rewards (CPU, ${ADVERSARIAL_COMPLETIONS.length} adversarial completions x ${benchSamples().length} samples)`,
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
  ].join("\n");
}
