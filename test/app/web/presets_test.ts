import { assertEquals } from "../../assert.ts";
import { PRESETS, presetWeights } from "../../../app/web/presets.ts";

Deno.test("presetWeights() sets the preset's weights and keeps the others", () => {
  const names = ["format", "accuracy", "length"];
  const current = [0.5, 1, 0.3];
  const byId = Object.fromEntries(PRESETS.map((p) => [p.id, presetWeights(p, names, current)]));
  assertEquals(byId, {
    "format-only": [1, 0, 0],
    "accuracy-only": [0, 1, 0],
    "format-accuracy": [1, 1, 0.3],
  });
  assertEquals(presetWeights(PRESETS[0], ["format_partial", "iou"], [2, 2]), [1, 0]);
});
