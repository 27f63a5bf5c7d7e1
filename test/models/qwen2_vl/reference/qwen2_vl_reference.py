"""Independent float64 numpy reference of Hugging Face Qwen2-VL (modeling_qwen2_vl.py, transformers 4.4x),
written op for op after the PyTorch code (view/permute, repeat_kv, get_rope_index, rot_pos_emb).
It builds the tiny config with deterministic formula weights (the same formula lives in
reference_test.ts), runs a left-padded batch of 2 prompts with one image each, and writes golden.json.
Run: python3 test/models/qwen2_vl/reference/qwen2_vl_reference.py  (numpy only)."""
import json
import math
import os

import numpy as np

VOCAB_IDS = list(range(100, 130)) + [151652, 151653, 151655, 151645]
VS, VE, IMG = 151652, 151653, 151655
E, DEPTH, VH, MLP_RATIO, M = 48, 2, 2, 2, 2
H, I, L, NH, KV, THETA, EPS, SECTION = 64, 176, 2, 4, 2, 10000.0, 1e-6, [2, 3, 3]
V = len(VOCAB_IDS)


def formula(name, shape):
    """The test weights: a sine over the flat index, phase from the name's character codes."""
    n = int(np.prod(shape))
    k = sum(ord(c) for c in name) % 997
    base = np.sin(np.arange(n, dtype=np.float64) * 0.7311 + k * 1.37)
    if name.endswith(".bias"):
        v = 0.02 * base
    elif name.endswith(("norm1.weight", "norm2.weight", "ln_q.weight", "layernorm.weight", "model.norm.weight")):
        v = 1 + 0.1 * base
    else:
        v = 0.08 * base
    return v.astype(np.float32).astype(np.float64).reshape(shape)


def patches_formula(n_rows):
    j = np.arange(n_rows * 1176, dtype=np.float64)
    return (0.5 * np.sin(j * 0.913 + 0.3)).astype(np.float32).astype(np.float64).reshape(n_rows, 1176)


class P(dict):
    def __missing__(self, name):
        raise KeyError(name)


def weights():
    p = P()
    shapes = {"visual.patch_embed.proj.weight": [E, 3, 2, 14, 14]}
    for i in range(DEPTH):
        b = f"visual.blocks.{i}."
        for n in ["norm1", "norm2"]:
            shapes[b + n + ".weight"] = [E]
            shapes[b + n + ".bias"] = [E]
        shapes.update({b + "attn.qkv.weight": [3 * E, E], b + "attn.qkv.bias": [3 * E],
                       b + "attn.proj.weight": [E, E], b + "attn.proj.bias": [E],
                       b + "mlp.fc1.weight": [E * MLP_RATIO, E], b + "mlp.fc1.bias": [E * MLP_RATIO],
                       b + "mlp.fc2.weight": [E, E * MLP_RATIO], b + "mlp.fc2.bias": [E]})
    C = E * M * M
    shapes.update({"visual.merger.ln_q.weight": [E], "visual.merger.ln_q.bias": [E],
                   "visual.merger.mlp.0.weight": [C, C], "visual.merger.mlp.0.bias": [C],
                   "visual.merger.mlp.2.weight": [H, C], "visual.merger.mlp.2.bias": [H],
                   "model.embed_tokens.weight": [V, H], "model.norm.weight": [H]})
    D = H // NH
    for i in range(L):
        b = f"model.layers.{i}."
        shapes.update({b + "self_attn.q_proj.weight": [NH * D, H], b + "self_attn.q_proj.bias": [NH * D],
                       b + "self_attn.k_proj.weight": [KV * D, H], b + "self_attn.k_proj.bias": [KV * D],
                       b + "self_attn.v_proj.weight": [KV * D, H], b + "self_attn.v_proj.bias": [KV * D],
                       b + "self_attn.o_proj.weight": [H, NH * D], b + "mlp.gate_proj.weight": [I, H],
                       b + "mlp.up_proj.weight": [I, H], b + "mlp.down_proj.weight": [H, I],
                       b + "input_layernorm.weight": [H], b + "post_attention_layernorm.weight": [H]})
    for n, s in shapes.items():
        p[n] = formula(n, s)
    return p


def layer_norm(x, w, b, eps=1e-6):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def softmax(x):
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


def rotate_half(x):
    h = x.shape[-1] // 2
    return np.concatenate([-x[..., h:], x[..., :h]], -1)


def vision(p, pixel_values, grid_thw):
    hd = E // VH
    x = pixel_values.reshape(-1, 3, 2, 14, 14)
    x = np.einsum("pcthw,ecthw->pe", x, p["visual.patch_embed.proj.weight"])  # Conv3d, stride = kernel
    # rot_pos_emb
    pos_ids = []
    for t, h, w in grid_thw:
        hpos = np.broadcast_to(np.arange(h)[:, None], (h, w)).reshape(h // M, M, w // M, M).transpose(0, 2, 1, 3).flatten()
        wpos = np.broadcast_to(np.arange(w)[None, :], (h, w)).reshape(h // M, M, w // M, M).transpose(0, 2, 1, 3).flatten()
        pos_ids.append(np.tile(np.stack([hpos, wpos], -1), (t, 1)))
    pos_ids = np.concatenate(pos_ids, 0)
    dim = hd // 2
    inv_freq = 1.0 / (10000 ** (np.arange(0, dim, 2, dtype=np.float64) / dim))
    max_grid = max(max(g[1], g[2]) for g in grid_thw)
    full = np.outer(np.arange(max_grid, dtype=np.float64), inv_freq)
    rpe = full[pos_ids].reshape(pos_ids.shape[0], -1)
    emb = np.concatenate([rpe, rpe], -1)
    cos, sin = np.cos(emb)[:, None, :], np.sin(emb)[:, None, :]
    seq = x.shape[0]
    cu = np.concatenate([[0], np.cumsum([h * w for t, h, w in grid_thw for _ in range(t)])])
    mask = np.full((seq, seq), -np.inf)
    for a, b in zip(cu[:-1], cu[1:]):
        mask[a:b, a:b] = 0
    for i in range(DEPTH):
        b = f"visual.blocks.{i}."
        hN = layer_norm(x, p[b + "norm1.weight"], p[b + "norm1.bias"])
        qkv = (hN @ p[b + "attn.qkv.weight"].T + p[b + "attn.qkv.bias"]).reshape(seq, 3, VH, -1).transpose(1, 0, 2, 3)
        q, k, v = qkv[0], qkv[1], qkv[2]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        q, k, v = q.transpose(1, 0, 2), k.transpose(1, 0, 2), v.transpose(1, 0, 2)
        att = softmax(q @ k.transpose(0, 2, 1) / math.sqrt(hd) + mask)
        o = (att @ v).transpose(1, 0, 2).reshape(seq, -1)
        x = x + o @ p[b + "attn.proj.weight"].T + p[b + "attn.proj.bias"]
        h2 = layer_norm(x, p[b + "norm2.weight"], p[b + "norm2.bias"])
        f = h2 @ p[b + "mlp.fc1.weight"].T + p[b + "mlp.fc1.bias"]
        f = f * (1 / (1 + np.exp(-1.702 * f)))
        x = x + f @ p[b + "mlp.fc2.weight"].T + p[b + "mlp.fc2.bias"]
    x = layer_norm(x, p["visual.merger.ln_q.weight"], p["visual.merger.ln_q.bias"]).reshape(-1, E * M * M)
    x = x @ p["visual.merger.mlp.0.weight"].T + p["visual.merger.mlp.0.bias"]
    x = 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))
    return x @ p["visual.merger.mlp.2.weight"].T + p["visual.merger.mlp.2.bias"]


def get_rope_index(input_ids, image_grid_thw, attention_mask):
    B, T = input_ids.shape
    position_ids = np.ones((3, B, T), dtype=np.int64)
    deltas = []
    image_index = 0
    for i in range(B):
        ids = input_ids[i][attention_mask[i] == 1]
        starts = np.argwhere(ids == VS).squeeze(1)
        image_nums = int((ids[starts + 1] == IMG).sum())
        tokens = ids.tolist()
        llm, st = [], 0
        for _ in range(image_nums):
            ed = tokens.index(IMG, st)
            t, h, w = image_grid_thw[image_index]
            image_index += 1
            gt, gh, gw = t, h // M, w // M
            text_len = ed - st
            st_idx = llm[-1].max() + 1 if llm else 0
            llm.append(np.broadcast_to(np.arange(text_len), (3, text_len)) + st_idx)
            t_index = np.broadcast_to(np.arange(gt)[:, None], (gt, gh * gw)).flatten()
            h_index = np.broadcast_to(np.arange(gh)[None, :, None], (gt, gh, gw)).flatten()
            w_index = np.broadcast_to(np.arange(gw)[None, None, :], (gt, gh, gw)).flatten()
            llm.append(np.stack([t_index, h_index, w_index]) + text_len + st_idx)
            st = ed + gt * gh * gw
        if st < len(tokens):
            st_idx = llm[-1].max() + 1 if llm else 0
            text_len = len(tokens) - st
            llm.append(np.broadcast_to(np.arange(text_len), (3, text_len)) + st_idx)
        pos = np.concatenate(llm, 1).reshape(3, -1)
        position_ids[:, i, attention_mask[i] == 1] = pos
        deltas.append(int(pos.max()) + 1 - T)
    return position_ids, deltas


def language(p, input_ids_local, position_ids, attention_mask, image_embeds):
    B, T = input_ids_local.shape
    D = H // NH
    x = p["model.embed_tokens.weight"][input_ids_local].copy()
    x[input_ids_local == VOCAB_IDS.index(IMG)] = image_embeds  # masked_scatter, row-major order
    inv_freq = 1.0 / (THETA ** (np.arange(0, D, 2, dtype=np.float64) / D))
    freqs = position_ids[..., None].astype(np.float64) * inv_freq  # [3, B, T, D/2]
    emb = np.concatenate([freqs, freqs], -1)
    sec = SECTION * 2
    splits = np.cumsum(sec)[:-1]
    cos = np.concatenate([c[i % 3] for i, c in enumerate(np.split(np.cos(emb), splits, -1))], -1)[:, None]
    sin = np.concatenate([s[i % 3] for i, s in enumerate(np.split(np.sin(emb), splits, -1))], -1)[:, None]
    causal = np.tril(np.ones((T, T)))
    allowed = causal[None] * attention_mask[:, None, :]
    mask = np.where(allowed > 0, 0.0, -1e9)[:, None]  # [B, 1, T, T]
    for i in range(L):
        b = f"model.layers.{i}."
        rms = lambda y, w: y / np.sqrt((y ** 2).mean(-1, keepdims=True) + EPS) * w  # noqa: E731
        h = rms(x, p[b + "input_layernorm.weight"])
        q = (h @ p[b + "self_attn.q_proj.weight"].T + p[b + "self_attn.q_proj.bias"]).reshape(B, T, NH, D).transpose(0, 2, 1, 3)
        k = (h @ p[b + "self_attn.k_proj.weight"].T + p[b + "self_attn.k_proj.bias"]).reshape(B, T, KV, D).transpose(0, 2, 1, 3)
        v = (h @ p[b + "self_attn.v_proj.weight"].T + p[b + "self_attn.v_proj.bias"]).reshape(B, T, KV, D).transpose(0, 2, 1, 3)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k, v = np.repeat(k, NH // KV, axis=1), np.repeat(v, NH // KV, axis=1)  # repeat_kv
        att = softmax(q @ k.transpose(0, 1, 3, 2) / math.sqrt(D) + mask)
        o = (att @ v).transpose(0, 2, 1, 3).reshape(B, T, -1)
        x = x + o @ p[b + "self_attn.o_proj.weight"].T
        h = rms(x, p[b + "post_attention_layernorm.weight"])
        g = h @ p[b + "mlp.gate_proj.weight"].T
        x = x + ((g / (1 + np.exp(-g))) * (h @ p[b + "mlp.up_proj.weight"].T)) @ p[b + "mlp.down_proj.weight"].T
    x = x / np.sqrt((x ** 2).mean(-1, keepdims=True) + EPS) * p["model.norm.weight"]
    return x @ p["model.embed_tokens.weight"].T


def main():
    p = weights()
    rows = [[100, 101, VS] + [IMG] * 4 + [VE, 102, 103], [104, VS] + [IMG] * 6 + [VE, 105]]
    grids = [[1, 4, 4], [1, 4, 6]]
    T = max(len(r) for r in rows)
    ids = np.array([[100] * (T - len(r)) + r for r in rows])
    mask = np.array([[0] * (T - len(r)) + [1] * len(r) for r in rows])
    n_patches = sum(t * h * w for t, h, w in grids)
    image_embeds = vision(p, patches_formula(n_patches), grids)
    position_ids, deltas = get_rope_index(ids, grids, mask)
    local = np.vectorize(VOCAB_IDS.index)(ids)
    logits = language(p, local, position_ids, mask, image_embeds)
    out = {"ids": ids.tolist(), "mask": mask.tolist(), "grids": grids, "position_ids": position_ids.tolist(),
           "rope_deltas": deltas, "image_embeds": np.round(image_embeds, 7).flatten().tolist(),
           "logits": np.round(logits, 7).flatten().tolist()}
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden.json"), "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
