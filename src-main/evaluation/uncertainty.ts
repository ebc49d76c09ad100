// Bootstrap intervals of every dataset number of an evaluation and paired tests between every pair of
// methods: one set of image resamples (src-shared/bootstrap.ts) for all of them, so each difference
// between two methods is paired image by image; the Wilcoxon signed-rank test on the per-image numbers.
import { BOOTSTRAP_DEFAULTS, bootstrapReplicates, pairedDifference, percentileInterval, type BootstrapOptions } from '../../src-shared/bootstrap.js';
import {
  METRIC_KEYS,
  type Interval,
  type MethodMetrics,
  type MetricKey,
  type PairedComparison,
  type Uncertainty,
} from '../../src-shared/evaluationTypes.js';
import type { ImageEvaluation } from './evaluationResult.js';
import { wilcoxonSignedRank } from './metrics/index.js';

const PAIR_NAMES = ['pearson', 'spearman', 'box_iou', 'both_point_inside'] as const;

/** How the dataset's numbers are computed with image i counted weights[i] times (MetricAggregator over PerImageNumbers' columns). */
export interface WeightedNumbers<C> {
  methodMetrics(columns: C, id: string, weights: ArrayLike<number>): MethodMetrics;
  pairMeans(columns: C, key: string, weights: ArrayLike<number>): Record<(typeof PAIR_NAMES)[number], number | null>;
}

/** The per-image numbers behind each MethodMetrics key that is a mean of them (null: a dataset-level metric). */
export type PerImageName = (key: MetricKey) => string | null;

/** `columns`: the per-image numbers every resample reads; `images`: their records, read once per paired test (Wilcoxon). */
export function uncertaintyOf<C>(
  numbers: WeightedNumbers<C>,
  columns: C,
  images: ImageEvaluation[],
  ids: readonly string[],
  perImageName: PerImageName,
  full: Record<string, MethodMetrics>,
  opts: BootstrapOptions,
): Uncertainty {
  const resamples = opts.resamples ?? BOOTSTRAP_DEFAULTS.resamples;
  const seed = opts.seed ?? BOOTSTRAP_DEFAULTS.seed;
  const level = opts.level ?? BOOTSTRAP_DEFAULTS.level;
  const pairs = ids.flatMap((a, i) => ids.slice(i + 1).map((b) => `${a}|${b}`));
  // One replicate vector per (method, key) then per (pair, agreement mean), in this order.
  const replicates = bootstrapReplicates(
    images.length,
    (w) => [
      ...ids.flatMap((id) => {
        const m = numbers.methodMetrics(columns, id, w);
        return METRIC_KEYS.map((k) => m[k]);
      }),
      ...pairs.flatMap((key) => {
        const m = numbers.pairMeans(columns, key, w);
        return PAIR_NAMES.map((n) => m[n]);
      }),
    ],
    { resamples, seed },
  );
  const of = (id: string, key: MetricKey) => replicates[ids.indexOf(id) * METRIC_KEYS.length + METRIC_KEYS.indexOf(key)]!;
  const interval = (id: string, key: MetricKey): Interval => (full[id]![key] === null ? null : percentileInterval(of(id, key), level));

  const methods: Uncertainty['methods'] = {};
  for (const id of ids) methods[id] = Object.fromEntries(METRIC_KEYS.map((k) => [k, interval(id, k)])) as Record<MetricKey, Interval>;
  const agreement: Uncertainty['agreement'] = {};
  pairs.forEach((key, p) => {
    agreement[key] = Object.fromEntries(
      PAIR_NAMES.map((n, k) => [n, percentileInterval(replicates[ids.length * METRIC_KEYS.length + p * PAIR_NAMES.length + k]!, level)]),
    ) as Uncertainty['agreement'][string];
  });

  const comparisons: Uncertainty['comparisons'] = {};
  for (const key of pairs) {
    const [a, b] = key.split('|') as [string, string];
    comparisons[key] = Object.fromEntries(METRIC_KEYS.map((k) => [k, compare(a, b, k)])) as Record<MetricKey, PairedComparison | null>;
  }
  return { method: 'percentile', level, resamples, seed, methods, agreement, comparisons };

  function compare(a: string, b: string, key: MetricKey): PairedComparison | null {
    const va = full[a]![key];
    const vb = full[b]![key];
    if (va === null || vb === null) return null;
    const paired = pairedDifference(va - vb, of(a, key), of(b, key), level);
    const name = perImageName(key);
    const differences =
      name === null
        ? []
        : images.flatMap((im) => {
            const x = im.methods[a]!.values[name];
            const y = im.methods[b]!.values[name];
            return x === null || x === undefined || y === null || y === undefined ? [] : [x - y];
          });
    return {
      difference: paired.difference,
      interval: paired.interval,
      p_bootstrap: paired.p,
      wilcoxon: name === null ? null : wilcoxonSignedRank(differences),
    };
  }
}
