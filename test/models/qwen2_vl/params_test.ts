import { assertEquals, assertThrows } from "../../assert.ts";
import {
  configFromJson,
  parameterCount,
  parameterShapes,
  qwen2_vl_2b,
  tiny,
  validateConfig,
} from "../../../models/qwen2_vl/mod.ts";
import { VOCAB_IDS } from "./fixtures.ts";

Deno.test("parameterCount() gives 2,208,985,600 for qwen2_vl_2b without allocating weights", () => {
  const config = qwen2_vl_2b();
  const shapes = parameterShapes(config);
  let vision = 0, language = 0;
  for (const [name, shape] of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (name.startsWith("visual.")) vision += n;
    else language += n;
  }
  // Hand computation: vision 1280*1176 + 32*(4*1280 + 1280*3840+3840 + 1280*1280+1280 + 2*1280*5120+5120+1280)
  //   + 2*1280 + 5120*5120+5120 + 5120*1536+1536; language 151936*1536 + 28*(...) + 1536.
  assertEquals(vision, 665_271_296);
  assertEquals(language, 1_543_714_304);
  assertEquals(parameterCount(config), 2_208_985_600);
});

Deno.test("parameterShapes() uses Hugging Face names and [out, in] shapes", () => {
  const shapes = parameterShapes(qwen2_vl_2b());
  assertEquals(shapes.get("visual.patch_embed.proj.weight"), [1280, 3, 2, 14, 14]);
  assertEquals(shapes.get("visual.blocks.31.attn.qkv.weight"), [3840, 1280]);
  assertEquals(shapes.get("visual.blocks.0.mlp.fc1.weight"), [5120, 1280]);
  assertEquals(shapes.get("visual.merger.mlp.0.weight"), [5120, 5120]);
  assertEquals(shapes.get("visual.merger.mlp.2.weight"), [1536, 5120]);
  assertEquals(shapes.get("model.embed_tokens.weight"), [151936, 1536]);
  assertEquals(shapes.get("model.layers.27.self_attn.k_proj.weight"), [256, 1536]);
  assertEquals(shapes.get("model.layers.27.self_attn.k_proj.bias"), [256]);
  assertEquals(shapes.get("model.layers.0.self_attn.o_proj.weight"), [1536, 1536]);
  assertEquals(shapes.has("model.layers.0.self_attn.o_proj.bias"), false);
  assertEquals(shapes.get("model.layers.0.mlp.down_proj.weight"), [1536, 8960]);
  assertEquals(shapes.has("lm_head.weight"), false);
  assertEquals(parameterShapes({ ...qwen2_vl_2b(), tie_word_embeddings: false }).get("lm_head.weight"), [
    151936,
    1536,
  ]);
});

Deno.test("validateConfig() rejects bad head dims, mrope sections and vocab_ids with the key named", () => {
  const base = tiny(VOCAB_IDS);
  assertThrows(() => validateConfig({ ...base, num_attention_heads: 3 }), Error, "num_attention_heads");
  assertThrows(() => validateConfig({ ...base, num_key_value_heads: 3 }), Error, "num_key_value_heads");
  assertThrows(
    () => validateConfig({ ...base, rope_scaling: { type: "mrope", mrope_section: [2, 2, 2] } }),
    Error,
    "mrope_section sums to 6",
  );
  assertThrows(() => validateConfig({ ...base, vocab_ids: VOCAB_IDS.slice(1) }), Error, "vocab_ids has");
  assertThrows(
    () => validateConfig({ ...base, vocab_ids: [...VOCAB_IDS.slice(1), 101] }),
    Error,
    "duplicate",
  );
  assertThrows(
    () => validateConfig({ ...base, vision_config: { ...base.vision_config, num_heads: 8 } }),
    Error,
    "divisible by 4",
  );
  assertThrows(() => validateConfig({ ...base, rms_norm_eps: 0 }), Error, "rms_norm_eps");
});

Deno.test("configFromJson() reads a Hugging Face config.json, ignoring keys the model does not use", () => {
  const hf = {
    architectures: ["Qwen2VLForConditionalGeneration"],
    torch_dtype: "bfloat16",
    ...qwen2_vl_2b(),
    vision_config: {
      ...qwen2_vl_2b().vision_config,
      in_chans: undefined,
      in_channels: 3,
      hidden_act: "quick_gelu",
    },
  };
  assertEquals(configFromJson(JSON.parse(JSON.stringify(hf))), qwen2_vl_2b());
  assertThrows(() => configFromJson({ ...hf, rope_theta: "big" }), Error, "rope_theta");
});
