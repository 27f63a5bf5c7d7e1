import { assertEquals } from "../../assert.ts";
import { MetricsWriter } from "../../../app/cli/metrics_writer.ts";

Deno.test("MetricsWriter creates the folder and appends one JSON object per line, readable at once", () => {
  const root = Deno.makeTempDirSync();
  try {
    const dir = `${root}/runs/a`;
    const writer = MetricsWriter.open(dir);
    writer.write({ step: 1, loss: 2.5 });
    // Written through: the line is on disk before close.
    assertEquals(Deno.readTextFileSync(`${dir}/metrics.jsonl`), '{"step":1,"loss":2.5}\n');
    writer.write({ step: 2, loss: NaN, reward: { format: 1 } });
    writer.close();
    const again = MetricsWriter.open(dir); // appends, does not truncate
    again.write({ step: 3 });
    again.close();
    const lines = Deno.readTextFileSync(`${dir}/metrics.jsonl`).trimEnd().split("\n").map((l) =>
      JSON.parse(l)
    );
    assertEquals(lines, [{ step: 1, loss: 2.5 }, { step: 2, loss: null, reward: { format: 1 } }, {
      step: 3,
    }]);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
