import { assertRejects } from "../../assert.ts";
import { startTrainer } from "../../../app/cli/trainer_client.ts";

Deno.test("startTrainer() rejects calls with the error of a worker that crashed, instead of hanging", async () => {
  const trainer = startTrainer(new URL("./fixtures/crashing.worker.ts", import.meta.url));
  await assertRejects(() => trainer.api.numTensors(), Error, "boom while loading");
  await trainer.close();
});
