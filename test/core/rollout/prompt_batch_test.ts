/** leftPaddedPrompts() on as many rows as num_generations=100000 gives a rollout. */
import { assertEquals } from "../../assert.ts";
import { initBackend } from "../../../core/backend.ts";
import { leftPaddedPrompts } from "../../../core/rollout/prompt_batch.ts";
import type { PromptInputs } from "../../../core/text/types.ts";
import { loadLab, tinyLabModel } from "../../helpers/tiny_lab.ts";

await initBackend({ override: "cpu", log: () => {} });

Deno.test("leftPaddedPrompts() pads 200000 rows to the longest, which Math.max(...rows) could not", async () => {
  const { text } = await loadLab();
  const model = await tinyLabModel(0);
  try {
    // Text-only rows of 1 or 3 tokens (no image): the longest, P, is 3 and a 1-token row gets 2 pads.
    const imEnd = text.ids.imEnd;
    const rows: PromptInputs[] = Array.from({ length: 200_000 }, (_, r) => ({
      inputIds: r % 2 === 0 ? [imEnd] : [imEnd, imEnd, imEnd],
      patches: new Float32Array(0),
      patchCount: 0,
      gridThw: [0, 0, 0],
    }));
    const batch = leftPaddedPrompts(model, rows, text.ids.pad);
    assertEquals(batch.rows, 200_000);
    assertEquals(batch.length, 3);
    assertEquals(batch.attentionMask[0], [0, 0, 1]);
    assertEquals(batch.attentionMask[1], [1, 1, 1]);
  } finally {
    model.dispose();
  }
});
