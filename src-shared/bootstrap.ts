// The percentile bootstrap (Efron, "Bootstrap Methods: Another Look at the Jackknife", Ann. Statist.
// 1979; Efron & Tibshirani 1993, ch. 13) over the images of a dataset: B resamples of the n images
// with replacement, every statistic recomputed on each (the same resamples for every statistic, so
// differences between methods are paired), and the interval between the (1 − level)/2 and
// (1 + level)/2 quantiles of the replicates. Shared so the app's tables and `camscope eval` agree.
import { rng } from './random.js';

export const BOOTSTRAP_SPEC = {
  name: 'Bootstrap confidence interval',
  formula:
    'B resamples of the n images with replacement (draw = ⌊u·n⌋, u from mulberry32(seed)); interval = [q_{(1−level)/2}, q_{(1+level)/2}] of the B recomputed statistics',
  citation:
    'Efron, "Bootstrap Methods: Another Look at the Jackknife", Annals of Statistics 1979; Efron & Tibshirani, "An Introduction to the Bootstrap", 1993, ch. 13',
  variant: 'none: the BCa and studentized intervals are not offered',
  default:
    "percentile interval, B = 1000, level 0.95, seed 0; quantiles as numpy's default 'linear' (Hyndman–Fan type 7); a resample where a statistic is undefined is left out of that statistic",
} as const;

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
  level?: number;
}

export const BOOTSTRAP_DEFAULTS: Required<BootstrapOptions> = { resamples: 1000, seed: 0, level: 0.95 };

/**
 * Replicates of every statistic over the same B resamples: out[s][b] (NaN where undefined).
 * `statistics(weights)` gives them all for one resample, `weights[i]` being how often image i was drawn;
 * resample b draws n indices ⌊u·n⌋ from one mulberry32(seed) stream, resample after resample.
 */
export function bootstrapReplicates(
  n: number,
  statistics: (weights: Uint32Array) => readonly (number | null)[],
  { resamples = BOOTSTRAP_DEFAULTS.resamples, seed = BOOTSTRAP_DEFAULTS.seed } = {},
): Float64Array[] {
  const next = rng(seed);
  const weights = new Uint32Array(n);
  let out: Float64Array[] = [];
  for (let b = 0; b < resamples; b++) {
    weights.fill(0);
    for (let j = 0; j < n; j++) weights[Math.floor(next() * n)]!++;
    const values = statistics(weights);
    if (b === 0) out = values.map(() => new Float64Array(resamples));
    values.forEach((v, s) => (out[s]![b] = v ?? NaN));
  }
  return out;
}

/** numpy.quantile(x, q) with the default 'linear' method on ascending-sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** The percentile interval of the finite replicates; null when there are none. */
export function percentileInterval(replicates: ArrayLike<number>, level = BOOTSTRAP_DEFAULTS.level): [number, number] | null {
  const finite = Float64Array.from(Array.from(replicates).filter(Number.isFinite)).sort();
  if (finite.length === 0) return null;
  return [quantileSorted(finite, (1 - level) / 2), quantileSorted(finite, (1 + level) / 2)];
}

/** scale · Σ wᵢ vᵢ / Σ wᵢ over the images whose value is defined (a resampled mean of per-image numbers); null when none was drawn. */
export function weightedMean(values: ArrayLike<number | null | undefined>, weights: ArrayLike<number>, scale = 1): number | null {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v) || weights[i] === 0) continue;
    sum += weights[i]! * v;
    count += weights[i]!;
  }
  return count ? (scale * sum) / count : null;
}

export const PAIRED_BOOTSTRAP_SPEC = {
  name: 'Paired bootstrap test',
  formula:
    'Δ = stat_a − stat_b on the data; Δ*_b the same difference on resample b (one resample for both methods); interval: percentile of Δ*; p = min(1, 2·(1 + min(#{Δ* ≤ 0}, #{Δ* ≥ 0})) / (B + 1))',
  citation:
    'Efron & Tibshirani 1993, ch. 15–16 (bootstrap hypothesis tests); Davison & Hinkley, "Bootstrap Methods and their Application", 1997, eq. 4.11 (the +1 correction)',
  variant: 'none',
  default: 'two-sided, H0: Δ = 0; B, seed and level as the intervals (the same resamples)',
} as const;

export interface PairedDifference {
  /** stat_a − stat_b on the full data. */
  difference: number;
  interval: [number, number] | null;
  /** Two-sided bootstrap p-value; null without replicates. */
  p: number | null;
}

/** The paired bootstrap comparison from two statistics' replicates over the same resamples. */
export function pairedDifference(difference: number, a: ArrayLike<number>, b: ArrayLike<number>, level = BOOTSTRAP_DEFAULTS.level): PairedDifference {
  const deltas = Array.from(a, (v, k) => v - b[k]!).filter(Number.isFinite);
  if (deltas.length === 0) return { difference, interval: null, p: null };
  const below = deltas.filter((d) => d <= 0).length;
  const above = deltas.filter((d) => d >= 0).length;
  return { difference, interval: percentileInterval(deltas, level), p: Math.min(1, (2 * (1 + Math.min(below, above))) / (deltas.length + 1)) };
}
