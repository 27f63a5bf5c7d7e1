#!/usr/bin/env python3
"""An independent CIDEr-D for the golden values in cider_test.ts and explanation_test.ts.

Written from the formula (Vedantam et al., CVPR 2015; pycocoevalcap's cider_scorer.py), not from
core/rewards/cider.ts: dense numpy matrices over the n-gram vocabulary instead of per-sentence maps.

    idf(g)   = log(N) - log(max(1, df(g)))    N = number of document sets, df(g) = sets containing g
    v_k(s)   = tf_k(s) * idf                  one vector per n-gram order k = 1..4
    sim_k    = sum_g min(v_k(c)[g], v_k(r)[g]) * v_k(r)[g] / (|v_k(c)| |v_k(r)|)   (0 when a norm is 0)
               * exp(-(len(c) - len(r))^2 / (2 sigma^2))
    CIDEr-D  = 10 * mean_r mean_k sim_k(c, r)

len(s) is the number of bigrams of s, as in pycocoevalcap (which adds tf only where n == 1, an index).
Tokens: NFC, lower case, runs of letters and digits, a decimal point kept between digits.

Usage: python3 cider_reference.py < cases.json, where cases.json is a list of
{"candidates": [...], "referenceSets": [[...], ...], "dfSets": [[...], ...] (optional), "flatIdf": bool}
and prints a list of score lists, one per case.
"""
import json
import re
import sys
import unicodedata

import numpy as np

N_MAX = 4
SIGMA = 6.0
WORD = re.compile(r"[^\W_]+(?:\.\d+)*")


def tokens(text):
    return WORD.findall(unicodedata.normalize("NFC", text).lower())


def ngrams(words):
    return [tuple(words[i:i + k]) for k in range(1, N_MAX + 1) for i in range(len(words) - k + 1)]


def score_case(case):
    candidates = [tokens(c) for c in case["candidates"]]
    ref_sets = [[tokens(r) for r in refs] for refs in case["referenceSets"]]
    df_sets = [[tokens(r) for r in refs] for refs in case.get("dfSets", case["referenceSets"])]

    vocab = sorted({g for s in candidates + [r for rs in ref_sets + df_sets for r in rs] for g in ngrams(s)})
    index = {g: i for i, g in enumerate(vocab)}
    order = np.array([len(g) for g in vocab])

    def tf(words):
        v = np.zeros(len(vocab))
        for g in ngrams(words):
            v[index[g]] += 1
        return v

    if case.get("flatIdf", False):
        idf = np.ones(len(vocab))
    else:
        # present[s, g]: some text of set s holds g.  [sets, vocab]
        present = np.array([np.any([tf(r) > 0 for r in rs], axis=0) for rs in df_sets])
        df = present.sum(axis=0)
        idf = np.log(len(df_sets)) - np.log(np.maximum(1.0, df))

    def bigrams(words):
        return max(0, len(words) - 1)

    assert len(candidates) == len(ref_sets), "one reference set per candidate"
    scores = []
    for cand, refs in zip(candidates, ref_sets):
        vc = tf(cand) * idf
        total = 0.0
        for ref in refs:
            vr = tf(ref) * idf
            penalty = np.exp(-((bigrams(cand) - bigrams(ref)) ** 2) / (2 * SIGMA ** 2))
            sims = []
            for k in range(1, N_MAX + 1):
                mask = order == k
                c, r = vc[mask], vr[mask]
                nc, nr = np.linalg.norm(c), np.linalg.norm(r)
                sims.append(0.0 if nc == 0 or nr == 0 else float(np.minimum(c, r) @ r) / (nc * nr))
            total += np.mean(sims) * penalty
        scores.append(10.0 * total / len(refs))
    return scores


if __name__ == "__main__":
    print(json.dumps([score_case(case) for case in json.load(sys.stdin)]))
