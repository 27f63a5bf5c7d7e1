/**
 * The pure part of the lab's SVG charts: linear scales, "nice" ticks, line paths with gaps where a value
 * is missing (NaN, e.g. kl when beta = 0), and the closed path of a mean ± std band. No DOM.
 */

/** One point of a series: x = step, y = value (NaN = missing). */
export type Point = readonly [number, number];

/** One point of a band: x, lower, upper. */
export type BandPoint = readonly [number, number, number];

export interface Scale {
  (v: number): number;
  domain: readonly [number, number];
  range: readonly [number, number];
}

/** Maps [d0, d1] linearly onto [r0, r1]; a zero-width domain maps every value to the range's middle. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain, [r0, r1] = range;
  const width = d1 - d0;
  const f = ((v: number) => width === 0 ? (r0 + r1) / 2 : r0 + ((v - d0) / width) * (r1 - r0)) as Scale;
  f.domain = domain;
  f.range = range;
  return f;
}

/**
 * The [min, max] of the finite values, or null when there is none. A single value v becomes
 * [v - pad, v + pad] with pad = |v| / 10 or 1 when v = 0, so that a flat line sits mid-chart.
 */
export function extent(values: Iterable<number>): [number, number] | null {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return null;
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) / 10;
    return [lo - pad, hi + pad];
  }
  return [lo, hi];
}

/**
 * About `count` round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten, the first
 * tick at or above lo and the last at or below hi.
 */
export function niceTicks(lo: number, hi: number, count = 4): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) return [];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  // (hi - lo) / count carries float noise ((0.4 - 0.1) / 3 = 0.10000000000000002): compare with a margin.
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * power;
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const ticks: number[] = [];
  // Multiplying the index (not adding steps) keeps 0.1 * 3 from drifting; toPrecision trims float noise.
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** A tick label: integers as is, else up to 3 significant digits, exponent form for tiny or huge values. */
export function formatTick(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1);
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(3)));
}

const fmt = (v: number) => String(Math.round(v * 100) / 100);

/**
 * The SVG path of a line through the points in order; a missing value (NaN) breaks the line, and a point
 * with no finite neighbour becomes a zero-length segment (drawn as a dot with round caps).
 */
export function linePath(points: readonly Point[], x: Scale, y: Scale): string {
  const parts: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length === 1) run.push(run[0].replace("M", "L"));
    parts.push(...run);
    run = [];
  };
  for (const [px, py] of points) {
    if (!Number.isFinite(py) || !Number.isFinite(px)) {
      flush();
      continue;
    }
    run.push(`${run.length === 0 ? "M" : "L"}${fmt(x(px))},${fmt(y(py))}`);
  }
  flush();
  return parts.join("");
}

/**
 * The closed SVG path of a band: along the upper edge left to right, back along the lower edge. Points
 * with a missing bound break the band into separate closed pieces.
 */
export function bandPath(points: readonly BandPoint[], x: Scale, y: Scale): string {
  const pieces: string[] = [];
  let run: BandPoint[] = [];
  const flush = () => {
    if (run.length > 0) {
      const upper = run.map(([px, , hi], i) => `${i === 0 ? "M" : "L"}${fmt(x(px))},${fmt(y(hi))}`);
      const lower = run.slice().reverse().map(([px, lo]) => `L${fmt(x(px))},${fmt(y(lo))}`);
      pieces.push(upper.join("") + lower.join("") + "Z");
    }
    run = [];
  };
  for (const p of points) {
    if (p.every(Number.isFinite)) run.push(p);
    else flush();
  }
  flush();
  return pieces.join("");
}

/** mean ± std per point, from two series of the same steps; a missing std gives no band there. */
export function meanStdBand(mean: readonly Point[], std: readonly Point[]): BandPoint[] {
  return mean.map(([x, m], i) => {
    const s = std[i]?.[1] ?? NaN;
    return [x, m - s, m + s] as const;
  });
}
