/**
 * The step-memory estimate against sums worked out by hand (python3, one line per part, in the comments)
 * for the 2B shapes, and the refusal it gives.
 */
import { assert, assertEquals } from "../../assert.ts";
import { parseConfig } from "../../../core/config/parse.ts";
import { formatBytes, memoryProblem, stepMemory } from "../../../core/train/memory_estimate.ts";
import { qwen2_vl_2b, QWEN2_VL_SPECIAL_IDS, tiny } from "../../../models/qwen2_vl/configs.ts";

const config = (values: Record<string, unknown>) => parseConfig([{ source: "test", values }]).config;

/** B = 2 prompts x G = 8, one micro-batch, 300 prompt + 256 completion tokens, 448 px, beta 0.04. */
const RUN = config({
  per_device_train_batch_size: 2,
  num_generations: 8,
  max_completion_length: 256,
  image_size: 448,
  beta: 0.04,
});

Deno.test("stepMemory() gives each part of a 2B step's peak by the documented sums", () => {
  const m = stepMemory(RUN, qwen2_vl_2b(), 300);
  assertEquals(m.rows, 16);
  assertEquals(m.tokens, 556);
  // 2,208,985,600 parameters x 4 bytes x 5 (weights, reference, gradients, two Adam moments).
  assertEquals(m.modelState, 44_179_712_000);
  // 16 rows x 556 tokens x 151,936 vocabulary x 4 bytes.
  assertEquals(m.logits, 5_406_490_624);
  // 4 x (16 x 556 x 28 layers x (10 x 1536 + 4 x 8960 + 2 x 12 x 556)
  //      + 2 images x 1024 patches x 32 blocks x (10 x 1280 + 2 x 1280 x 4 + 2 x 16 x 1024)).
  assertEquals(m.activations, 78_938_275_840);
  // 16 rows x 556 x 28 layers x 2 (k, v) x 2 kv heads x 128 x 4 bytes.
  assertEquals(m.kvCache, 510_132_224);
  assertEquals(m.total, 44_179_712_000 + 5_406_490_624 + 78_938_275_840);
});

Deno.test("stepMemory() splits the update into micro-batches and drops the reference at beta 0", () => {
  const m = stepMemory({ ...RUN, gradient_accumulation_steps: 3, beta: 0 }, qwen2_vl_2b(), 300);
  assertEquals(m.rows, 6); // ceil(16 / 3)
  assertEquals(m.modelState, 2_208_985_600 * 4 * 4);
  assertEquals(m.logits, 6 * 556 * 151_936 * 4);
});

Deno.test("memoryProblem() refuses a 2B step over max_memory_gb with its numbers and what to change", () => {
  const problem = memoryProblem(RUN, qwen2_vl_2b(), 300);
  assertEquals(
    problem,
    "per_device_train_batch_size=2 x num_generations=8 = 16 rows of 556 tokens (300 prompt + 256 " +
      "completion): a step needs about 119.7 GiB (logits 5.0 GiB, activations 73.5 GiB, weights, gradients " +
      "and Adam moments 41.1 GiB), over the limit of max_memory_gb=16; lower per_device_train_batch_size or " +
      "num_generations, raise gradient_accumulation_steps (smaller micro-batches), or raise max_memory_gb " +
      "if the machine has the memory (0 turns this check off)",
  );
  assertEquals(memoryProblem({ ...RUN, max_memory_gb: 0 }, qwen2_vl_2b(), 300), undefined);
  assertEquals(memoryProblem({ ...RUN, max_memory_gb: 120 }, qwen2_vl_2b(), 300), undefined);
});

Deno.test("memoryProblem() lets the default run of the tiny model through and refuses 100000 prompts", () => {
  const vocab = [...Array.from({ length: 300 }, (_, i) => i), ...Object.values(QWEN2_VL_SPECIAL_IDS)];
  const defaults = config({});
  assertEquals(memoryProblem(defaults, tiny(vocab), 80), undefined);
  assert(stepMemory(defaults, tiny(vocab), 80).total < 2 ** 30);
  const huge = memoryProblem({ ...defaults, per_device_train_batch_size: 100000 }, tiny(vocab), 80);
  assert(huge?.startsWith("per_device_train_batch_size=100000 x num_generations="), huge);
});

Deno.test("formatBytes() writes GiB with one decimal and whole MiB and KiB below", () => {
  assertEquals(formatBytes(1.25 * 2 ** 30), "1.3 GiB");
  assertEquals(formatBytes(512 * 2 ** 20), "512 MiB");
  assertEquals(formatBytes(12 * 1024), "12 KiB");
  assertEquals(formatBytes(3), "1 KiB");
});
