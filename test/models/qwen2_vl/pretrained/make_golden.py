"""Writes the Hugging Face folders and golden logits that test/models/qwen2_vl/pretrained_test.ts reads.

A tiny random Qwen2-VL saved by transformers itself (5.x: nested text_config / vision_config), once as
one F32 model.safetensors and once in BF16, sharded by a small max_shard_size, with the logits that
transformers computes for one prompt holding two images of different grid sizes. Not run by npm test:

    python3 -m venv V && V/bin/pip install torch transformers safetensors
    V/bin/python test/models/qwen2_vl/pretrained/make_golden.py
"""
import json
import math
import pathlib

import torch
import transformers
from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration

HERE = pathlib.Path(__file__).parent

# Special ids inside the small vocabulary: 148 <|vision_start|>, 149 <|vision_end|>, 150 <|image_pad|>.
CONFIG = Qwen2VLConfig(
    text_config=dict(vocab_size=160, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-6, rope_theta=10000.0,
                     max_position_embeddings=512, rope_scaling={"type": "mrope", "mrope_section": [2, 1, 1]},
                     bos_token_id=None, eos_token_id=None),
    vision_config=dict(depth=2, embed_dim=32, num_heads=2, mlp_ratio=2, in_channels=3, patch_size=14,
                       temporal_patch_size=2, spatial_merge_size=2, hidden_size=32),
    image_token_id=150, video_token_id=151, vision_start_token_id=148, vision_end_token_id=149,
    tie_word_embeddings=True)

# Two images: a 4x4 patch grid (4 merged tokens) and a 4x6 grid (6 tokens).
GRIDS = [[1, 4, 4], [1, 4, 6]]
IDS = [1, 2, 148] + [150] * 4 + [149, 3, 148] + [150] * 6 + [149, 4, 5, 6]


def pixel_values():
    """0.5 sin(0.913 j + 0.3) over the flat index j of [patches, 1176], as the test builds it."""
    n = sum(t * h * w for t, h, w in GRIDS) * 1176
    return torch.tensor([0.5 * math.sin(j * 0.913 + 0.3) for j in range(n)], dtype=torch.float32).view(-1, 1176)


def logits_of(model):
    with torch.no_grad():
        # Token types as the processor returns them: 1 for <|image_pad|>, 0 for text (M-RoPE reads them).
        types = torch.tensor([[1 if i == 150 else 0 for i in IDS]])
        out = model(input_ids=torch.tensor([IDS]), attention_mask=torch.ones(1, len(IDS), dtype=torch.long),
                    mm_token_type_ids=types, pixel_values=pixel_values(), image_grid_thw=torch.tensor(GRIDS))
    return out.logits[0].float().flatten().tolist()


def main():
    torch.manual_seed(0)
    model = Qwen2VLForConditionalGeneration(CONFIG).eval()
    # Larger than the default 0.02 init so that the logits differ clearly from token to token.
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.08) if p.dim() > 1 else None
    model.save_pretrained(HERE / "hf_f32")
    f32 = logits_of(Qwen2VLForConditionalGeneration.from_pretrained(HERE / "hf_f32", dtype=torch.float32).eval())
    model.to(torch.bfloat16).save_pretrained(HERE / "hf_bf16_sharded", max_shard_size="100KB")
    bf16 = logits_of(
        Qwen2VLForConditionalGeneration.from_pretrained(HERE / "hf_bf16_sharded", dtype=torch.float32).eval())
    golden = {"transformers": transformers.__version__, "torch": torch.__version__, "ids": IDS, "grids": GRIDS,
              "vocab": 160, "logits_f32": f32, "logits_bf16": bf16}
    (HERE / "golden.json").write_text(json.dumps(golden) + "\n")


if __name__ == "__main__":
    main()


def real_vocab_folder(out, shard_size=None, dtype=torch.float32):
    """A tiny random Qwen2-VL with the real Qwen vocabulary and special ids, for trying train/eval on a
    folder transformers saved (not committed: 151,936 x 16 embedding rows). Usage:
        V/bin/python -c 'import make_golden as m; m.real_vocab_folder("/tmp/qwen2vl-tiny")'"""
    cfg = Qwen2VLConfig(
        text_config=dict(vocab_size=151936, hidden_size=16, intermediate_size=32, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=1, rms_norm_eps=1e-6, rope_theta=1e6,
                         max_position_embeddings=4096, rope_scaling={"type": "mrope", "mrope_section": [2, 1, 1]}),
        vision_config=dict(depth=1, embed_dim=16, num_heads=1, mlp_ratio=2, in_channels=3, patch_size=14,
                           temporal_patch_size=2, spatial_merge_size=2, hidden_size=16),
        image_token_id=151655, video_token_id=151656, vision_start_token_id=151652, vision_end_token_id=151653,
        tie_word_embeddings=True)
    torch.manual_seed(1)
    model = Qwen2VLForConditionalGeneration(cfg).eval().to(dtype)
    kwargs = {"max_shard_size": shard_size} if shard_size else {}
    model.save_pretrained(out, **kwargs)
