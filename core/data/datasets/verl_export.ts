/**
 * Records -> a parquet file in verl's RL layout (what verl/examples/data_preprocess/geo3k.py writes), so
 * that `verl.trainer.main_ppo data.train_files=.../train.parquet` reads the same data, and the reward
 * bridge (app/verl/grpo_lab_reward.py) gets back what the lab's rewards read:
 *   data_source: str                       the record's task
 *   prompt: [{role: "user", content}]      "<image>" + the question
 *   images: [{bytes, path}]                the image file's bytes as they were, path null
 *   ability: str                           meta.ability, else "vision"
 *   reward_model: {style: "rule", ground_truth}
 *   extra_info: {split, index, id, question, answer, image_size: [w, h]}
 */
import { ByteWriter, parquetWrite } from "hyparquet-writer";
import type { DatasetRecord } from "./types.ts";

/** One record ready to write: its image's bytes and size read already. */
export interface VerlRow {
  record: DatasetRecord;
  image: Uint8Array;
  width: number;
  height: number;
}

const text = (name: string) => ({
  name,
  type: "BYTE_ARRAY" as const,
  converted_type: "UTF8" as const,
  repetition_type: "OPTIONAL" as const,
});

/** verl's schema, flattened in parquet's pre-order (groups give their child count). */
const SCHEMA = [
  { name: "root", num_children: 6 },
  text("data_source"),
  { name: "prompt", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  { name: "element", repetition_type: "OPTIONAL", num_children: 2 },
  text("role"),
  text("content"),
  { name: "images", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  { name: "element", repetition_type: "OPTIONAL", num_children: 2 },
  { name: "bytes", type: "BYTE_ARRAY", repetition_type: "OPTIONAL" },
  text("path"),
  text("ability"),
  { name: "reward_model", repetition_type: "OPTIONAL", num_children: 2 },
  text("style"),
  text("ground_truth"),
  { name: "extra_info", repetition_type: "OPTIONAL", num_children: 6 },
  text("split"),
  { name: "index", type: "INT64", repetition_type: "OPTIONAL" },
  text("id"),
  text("question"),
  text("answer"),
  { name: "image_size", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  { name: "element", type: "INT32", repetition_type: "OPTIONAL" },
] as const;

/** The parquet bytes of `rows` in verl's layout; `split` fills extra_info.split. */
export function verlParquet(rows: readonly VerlRow[], split: string): Uint8Array {
  const columnData = [
    { name: "data_source", data: rows.map((r) => r.record.task) },
    { name: "prompt", data: rows.map((r) => [{ role: "user", content: `<image>${r.record.prompt}` }]) },
    { name: "images", data: rows.map((r) => [{ bytes: r.image, path: null }]) },
    {
      name: "ability",
      data: rows.map((r) => typeof r.record.meta.ability === "string" ? r.record.meta.ability : "vision"),
    },
    { name: "reward_model", data: rows.map((r) => ({ style: "rule", ground_truth: r.record.solution })) },
    {
      name: "extra_info",
      data: rows.map((r, index) => ({
        split,
        index: BigInt(index),
        id: r.record.id,
        question: r.record.prompt,
        answer: r.record.solution,
        image_size: [r.width, r.height],
      })),
    },
  ];
  const writer = new ByteWriter();
  parquetWrite({
    writer,
    columnData,
    schema: SCHEMA as unknown as Parameters<typeof parquetWrite>[0]["schema"],
    createdBy: "grpo-lab data export",
  });
  return new Uint8Array(writer.getBuffer());
}
