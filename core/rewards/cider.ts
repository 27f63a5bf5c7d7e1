/**
 * CIDEr-D (Vedantam, Zitnick and Parikh, "CIDEr: Consensus-based Image Description Evaluation", CVPR
 * 2015), computed as pycocoevalcap's cider_scorer.py (coco-caption) does:
 *
 *   idf(g)   = log(N) − log(max(1, df(g)))      N = number of reference sets (images), df(g) = the sets
 *                                               in which some reference holds the n-gram g
 *   v_k(s)   = tf_k(s) · idf                    one vector per n-gram order k = 1..4
 *   sim_k    = Σ_g min(v_k(c)[g], v_k(r)[g]) · v_k(r)[g] / (‖v_k(c)‖ ‖v_k(r)‖)   ("D": clipped counts)
 *              · exp(−(ℓ(c) − ℓ(r))² / (2σ²))                                    (σ = 6)
 *   CIDEr-D  = 10 · mean_r mean_k sim_k(c, r)
 *
 * Every weight is ≥ 0 (df ≤ N), so by Cauchy–Schwarz each sim_k ≤ 1 and CIDEr-D lies in [0, 10].
 *
 * Two details follow the reference implementation rather than the paper:
 * - ℓ(s) is the number of bigrams of s (pycocoevalcap adds tf where the order *index* is 1), i.e. words − 1
 *   for two words or more and 0 below; for sentences of two words or more the difference is the same.
 * - A zero norm (no k-grams, e.g. a three-word sentence has no 4-gram, or every k-gram weighs 0) makes
 *   sim_k 0 where 0/0 would be NaN, as the guard in the CIDEr-D scorer does.
 *
 * Tokens (a stand-in for the PTB tokenizer that coco-caption runs first): the text in Unicode NFC, lower
 * case, cut into maximal runs of letters, combining marks and digits; a decimal point between digits stays
 * ("12.5"), all other punctuation separates words and is dropped ("it's" → "it", "s").
 */

/** The n-gram orders used: 1..4, as in CIDEr-D. */
export const CIDER_MAX_N = 4;
/** σ of the Gaussian length penalty, in tokens (CIDEr-D's 6). */
export const CIDER_SIGMA = 6;
/** CIDEr-D's scale: the mean similarity is multiplied by 10 (so a score lies in [0, 10]). */
export const CIDER_SCALE = 10;

/** An n-gram's idf weight; n-grams are their tokens joined by one space (tokens hold no spaces). */
export type Idf = (gram: string) => number;

export interface CiderOptions {
  /** Highest n-gram order; default 4. */
  maxN?: number;
  /** σ of the length penalty; default 6. */
  sigma?: number;
}

// Disjoint classes (the dot is not a word character), so no input makes this backtrack: linear time.
const WORD = /[\p{L}\p{M}\p{N}]+(?:\.\p{N}+)*/gu;

/** The tokens of `text` as described above. */
export function tokenize(text: string): string[] {
  return text.normalize("NFC").toLowerCase().match(WORD) ?? [];
}

/** counts[k − 1] maps each k-gram ("w1 w2 … wk") of `tokens` to how often it occurs, k = 1..maxN. */
export function ngramCounts(tokens: readonly string[], maxN = CIDER_MAX_N): Map<string, number>[] {
  const counts = Array.from({ length: maxN }, () => new Map<string, number>());
  for (let k = 1; k <= maxN; k++) {
    const m = counts[k - 1];
    for (let i = 0; i + k <= tokens.length; i++) {
      const gram = tokens.slice(i, i + k).join(" ");
      m.set(gram, (m.get(gram) ?? 0) + 1);
    }
  }
  return counts;
}

/**
 * idf(g) = log(N) − log(max(1, df(g))) over N document sets: df(g) counts the sets in which any text holds
 * g (pycocoevalcap's compute_doc_freq, with the reference captions of one image as one set). An n-gram in
 * no set gets log(N). With N = 1 every weight is 0, and so is every score.
 */
export function corpusIdf(documentSets: readonly (readonly string[])[], maxN = CIDER_MAX_N): Idf {
  if (documentSets.length === 0) throw new Error("corpusIdf(): no document sets to count n-grams in");
  const df = new Map<string, number>();
  for (const texts of documentSets) {
    const seen = new Set<string>();
    for (const text of texts) {
      for (const m of ngramCounts(tokenize(text), maxN)) for (const gram of m.keys()) seen.add(gram);
    }
    for (const gram of seen) df.set(gram, (df.get(gram) ?? 0) + 1);
  }
  const logN = Math.log(documentSets.length);
  return (gram) => logN - Math.log(Math.max(1, df.get(gram) ?? 0));
}

/** Weight 1 for every n-gram: tf vectors, for when there is no corpus to count documents in. */
export const flatIdf: Idf = () => 1;

/** A sentence as CIDEr-D sees it: tf·idf per order, their norms, and its length ℓ (bigram count). */
interface TfIdf {
  vectors: Map<string, number>[];
  norms: number[];
  length: number;
}

function tfidf(text: string, idf: Idf, maxN: number): TfIdf {
  const counts = ngramCounts(tokenize(text), maxN);
  const vectors = counts.map((m) => new Map([...m].map(([gram, tf]) => [gram, tf * idf(gram)])));
  const norms = vectors.map((v) => Math.sqrt([...v.values()].reduce((a, x) => a + x * x, 0)));
  // pycocoevalcap's length: the summed counts of order index 1, the bigrams.
  const length = maxN >= 2 ? [...counts[1].values()].reduce((a, x) => a + x, 0) : 0;
  return { vectors, norms, length };
}

/** sim_k(c, r) for k = 1..maxN, length penalty included. */
function similarity(c: TfIdf, r: TfIdf, sigma: number): number[] {
  const delta = c.length - r.length;
  const penalty = Math.exp(-(delta * delta) / (2 * sigma * sigma));
  return c.vectors.map((cv, k) => {
    const rv = r.vectors[k];
    let clipped = 0;
    for (const [gram, x] of cv) {
      const y = rv.get(gram) ?? 0;
      clipped += Math.min(x, y) * y;
    }
    const norms = c.norms[k] * r.norms[k];
    // A zero norm means an all-zero vector, so `clipped` is 0 too: 0, not 0/0.
    return norms > 0 ? (clipped / norms) * penalty : 0;
  });
}

/** CIDEr-D of one candidate against its references, with the given idf; in [0, 10]. */
export function ciderDScore(
  candidate: string,
  references: readonly string[],
  idf: Idf,
  options: CiderOptions = {},
): number {
  const maxN = options.maxN ?? CIDER_MAX_N;
  const sigma = options.sigma ?? CIDER_SIGMA;
  if (!Number.isInteger(maxN) || maxN < 1) {
    throw new Error(`ciderDScore(): maxN must be an integer >= 1, got ${maxN}`);
  }
  // σ = 0 would make the penalty exp(−0/0) = NaN for equal lengths.
  if (!(sigma > 0) || !Number.isFinite(sigma)) {
    throw new Error(`ciderDScore(): sigma must be > 0, got ${sigma}`);
  }
  if (references.length === 0) throw new Error("ciderDScore(): the candidate has no references");
  const c = tfidf(candidate, idf, maxN);
  let sum = 0;
  for (const reference of references) {
    const sims = similarity(c, tfidf(reference, idf, maxN), sigma);
    sum += sims.reduce((a, x) => a + x, 0) / maxN;
  }
  return (CIDER_SCALE * sum) / references.length;
}

/**
 * Corpus-level CIDEr-D, as pycocoevalcap's CiderD.compute_score: candidate i against referenceSets[i],
 * with the idf counted over all the reference sets given (one set per image). Returns the score of each
 * candidate, each in [0, 10]; the corpus score is their mean. A single reference set gives 0 throughout
 * (every idf is log 1 − log 1 = 0).
 */
export function ciderD(
  candidates: readonly string[],
  referenceSets: readonly (readonly string[])[],
  options: CiderOptions = {},
): number[] {
  if (candidates.length !== referenceSets.length) {
    throw new Error(`ciderD(): ${candidates.length} candidates but ${referenceSets.length} reference sets`);
  }
  if (candidates.length === 0) return [];
  const empty = referenceSets.findIndex((refs) => refs.length === 0);
  if (empty >= 0) throw new Error(`ciderD(): candidate ${empty} has no references`);
  const idf = corpusIdf(referenceSets, options.maxN);
  return candidates.map((candidate, i) => ciderDScore(candidate, referenceSets[i], idf, options));
}
