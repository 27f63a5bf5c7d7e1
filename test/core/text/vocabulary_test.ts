import { assert, assertEquals } from "../../assert.ts";
import { makeSample, tasks } from "../../../core/data/registry.ts";
import { loadTextPipeline, taskVocabulary } from "../../../core/text/mod.ts";

const pipeline = await loadTextPipeline({ modelBase: new URL("../../../public/models/", import.meta.url) });
const vocabulary = taskVocabulary(pipeline);

Deno.test("taskVocabulary() is sorted, unique and small", () => {
  assertEquals(vocabulary, [...new Set(vocabulary)].sort((a, b) => a - b));
  assert(vocabulary.length > 50 && vocabulary.length < 300, `size ${vocabulary.length}`);
});

Deno.test("taskVocabulary() holds every special id and the ten digits", () => {
  const have = new Set(vocabulary);
  for (const [name, id] of Object.entries(pipeline.ids)) assert(have.has(id), `${name} ${id}`);
  for (let d = 0; d <= 9; d++) assert(have.has(pipeline.encode(String(d))[0]), `digit ${d}`);
  // Image tokens, end of turn and the think tags by their Qwen ids.
  for (const id of [151643, 151644, 151645, 151652, 151653, 151655, 151667, 151668, 198]) {
    assert(have.has(id));
  }
});

Deno.test("taskVocabulary() covers the prompts, references and explanations of 1,000 random samples per task (4,000 in all)", () => {
  const have = new Set(vocabulary);
  // Seeds far from the ones the enumeration used (it uses none): an independent draw.
  for (const name of Object.keys(tasks)) {
    for (let i = 0; i < 1000; i++) {
      const s = makeSample(name, 424242, i);
      const texts = [
        pipeline.renderPrompt(s.prompt),
        s.reference,
        ...(s.explanations ?? []).map((e) => `<explain>${e}</explain>`),
        ...(s.explanations ?? []).map((e) =>
          s.reference.replace("</think>", `</think><explain>${e}</explain>`)
        ),
      ];
      for (const text of texts) {
        for (const id of pipeline.encode(text)) {
          assert(have.has(id), `${s.id}: id ${id} (${JSON.stringify(pipeline.decode([id]))}) of ${text}`);
        }
      }
      for (const id of pipeline.encodeCompletion(s.reference, { end: true })) assert(have.has(id));
    }
  }
});

Deno.test("taskVocabulary() adds the ids of extraTexts", () => {
  const extra = taskVocabulary(pipeline, { extraTexts: ["<tool_call>crop</tool_call>"] });
  for (const id of pipeline.encode("crop")) assert(extra.includes(id));
  for (const id of vocabulary) assert(extra.includes(id));
});
