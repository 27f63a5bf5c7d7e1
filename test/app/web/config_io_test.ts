import { assert, assertEquals, assertThrows } from "../../assert.ts";
import {
  exportConfig,
  readConfigText,
  resolveConfig,
  SHIPPED_CHECKPOINT,
} from "../../../app/web/config_io.ts";
import { parseConfig } from "../../../core/config/parse.ts";

const DEFAULTS = JSON.parse(
  await Deno.readTextFile(new URL("../../../public/configs/default.json", import.meta.url)),
);

Deno.test("resolveConfig() layers the page's settings over configs/default.json", () => {
  const c = resolveConfig(DEFAULTS, { source: "page settings", values: { beta: 0, lr: 1e-3 } });
  assertEquals([c.task, c.num_generations, c.beta, c.learning_rate], ["count", 8, 0, 1e-3]);
  assertEquals(c.reward_weights, [0.5, 1]);
});

Deno.test("resolveConfig() names the key and the source of a bad setting", () => {
  assertThrows(
    () => resolveConfig(DEFAULTS, { source: "typo.json", values: { learning_rat: 1 } }),
    Error,
    'unknown config key "learning_rat" (from typo.json). Did you mean "learning_rate"?',
  );
  assertThrows(
    () => resolveConfig(DEFAULTS, { source: "page settings", values: { num_generations: 1 } }),
    Error,
    'bad value for "num_generations" (from page settings)',
  );
});

Deno.test("readConfigText() wants a JSON object and names the file", () => {
  assertEquals(readConfigText('{"beta": 0.1}', "a.json"), { beta: 0.1 });
  assertThrows(() => readConfigText("{beta", "a.json"), Error, "a.json: not valid JSON (");
  assertThrows(
    () => readConfigText("[1]", "b.json"),
    Error,
    "b.json: a config must be a JSON object of settings, got [1]",
  );
  assertThrows(() => readConfigText("null", "c.json"), Error, "c.json: a config must be a JSON object");
});

Deno.test("exportConfig() writes every key but out, and reads back to the same run over any base", () => {
  const c = resolveConfig(DEFAULTS, {
    source: "page settings",
    values: { beta: 0, seed: 3, model_name_or_path: SHIPPED_CHECKPOINT },
  });
  const text = exportConfig(c);
  const values = JSON.parse(text);
  assert(!("out" in values));
  assertEquals(values.beta, 0);
  assertEquals(values.model_name_or_path, "public/checkpoints/tiny-sft");
  // Over the bare defaults (no default.json) the file still means the same run.
  const again = parseConfig([{ source: "export.json", values }]).config;
  assertEquals({ ...again, out: "" }, { ...c, out: "" });
});
