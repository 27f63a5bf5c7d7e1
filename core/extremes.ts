/**
 * The largest and smallest of many numbers, by a loop. `Math.max(...xs)` passes every element as an
 * argument and overflows the stack near 10^5 of them (num_generations=100000 gives that many rows), so
 * every list that grows with the batch goes through these instead.
 */

/** The largest of `xs`, or `empty` when there is none (Math.max() gives -Infinity). NaN wins, as in Math.max. */
export function maxOf(xs: Iterable<number>, empty = -Infinity): number {
  let best = empty;
  let any = false;
  for (const x of xs) {
    if (Number.isNaN(x)) return NaN;
    if (!any || x > best) best = x;
    any = true;
  }
  return best;
}

/** The smallest of `xs`, or `empty` when there is none (Math.min() gives Infinity). NaN wins, as in Math.min. */
export function minOf(xs: Iterable<number>, empty = Infinity): number {
  let best = empty;
  let any = false;
  for (const x of xs) {
    if (Number.isNaN(x)) return NaN;
    if (!any || x < best) best = x;
    any = true;
  }
  return best;
}
