// Bootstrap intervals, the paired bootstrap test and the Wilcoxon signed-rank test against a numpy/scipy
// reference (scripts/fixtures/makeUncertaintyReference.py, developer-run), and hand-worked cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bootstrapReplicates, pairedDifference, percentileInterval, quantileSorted, weightedMean } from '../../../src-shared/bootstrap.js';
import { normalCdf, wilcoxonSignedRank } from '../../../src-main/evaluation/metrics/wilcoxon.js';

interface Case {
  name: string;
  n: number;
  resamples: number;
  seed: number;
  scale: number;
  a: (number | null)[];
  b: (number | null)[];
  firstCounts: number[];
  replicatesA: (number | null)[];
  full: [number, number];
  intervalA: [number, number];
  intervalB: [number, number];
  difference: number;
  differenceInterval: [number, number];
  pBootstrap: number;
  wilcoxon: { statistic: number; p: number; z: number } | null;
}
const ref = JSON.parse(readFileSync(new URL('../../fixtures/uncertainty/reference.json', import.meta.url), 'utf8')) as {
  cases: Case[];
  wilcoxon: { d: number[]; statistic: number; p: number; z: number }[];
  normal: { z: number; cdf: number }[];
};
const near = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} ≠ ${expected}`);

for (const c of ref.cases) {
  test(`bootstrap '${c.name}': resamples, intervals and the paired test equal numpy's`, () => {
    let first: number[] = [];
    const [ra, rb] = bootstrapReplicates(
      c.n,
      (w) => {
        if (first.length === 0) first = Array.from(w);
        return [weightedMean(c.a, w, c.scale), weightedMean(c.b, w, c.scale)];
      },
      { resamples: c.resamples, seed: c.seed },
    );
    assert.deepEqual(first, c.firstCounts, 'the first resample draws the same images');
    c.replicatesA.forEach((r, b) => (r === null ? assert.ok(Number.isNaN(ra![b]!)) : near(ra![b]!, r, 1e-12, `replicate ${b}`)));
    const ones = new Uint32Array(c.n).fill(1);
    near(weightedMean(c.a, ones, c.scale)!, c.full[0], 1e-12, 'statistic on the data');
    const ia = percentileInterval(ra!)!;
    const ib = percentileInterval(rb!)!;
    [0, 1].forEach((k) => {
      near(ia[k]!, c.intervalA[k]!, 1e-12, `interval a[${k}]`);
      near(ib[k]!, c.intervalB[k]!, 1e-12, `interval b[${k}]`);
    });
    const paired = pairedDifference(c.full[0] - c.full[1], ra!, rb!);
    near(paired.difference, c.difference, 1e-12, 'difference');
    [0, 1].forEach((k) => near(paired.interval![k]!, c.differenceInterval[k]!, 1e-12, `difference interval[${k}]`));
    near(paired.p!, c.pBootstrap, 1e-12, 'bootstrap p');
    const d = c.a.flatMap((x, i) => (x === null || c.b[i] === null ? [] : [x - c.b[i]!]));
    const w = wilcoxonSignedRank(d);
    if (c.wilcoxon === null) assert.equal(w, null);
    else {
      near(w!.statistic, c.wilcoxon.statistic, 1e-12, 'Wilcoxon T');
      near(w!.p, c.wilcoxon.p, 1e-9, 'Wilcoxon p');
    }
  });
}

test("Wilcoxon signed-rank test equals scipy's normal approximation (ties, zeros dropped)", () => {
  for (const r of ref.wilcoxon) {
    const w = wilcoxonSignedRank(r.d)!;
    near(w.statistic, r.statistic, 1e-12, `T of ${r.d}`);
    near(w.p, r.p, 1e-9, `p of ${r.d}`);
    near(w.z, r.z, 1e-7, `z of ${r.d}`);
  }
  for (const { z, cdf } of ref.normal) near(normalCdf(z), cdf, 1e-12, `Φ(${z})`);
});

test('Wilcoxon by hand: d = 1, −2, 3, 4 → ranks 1, 2, 3, 4, T = min(8, 2) = 2, σ² = 4·5·9/24 = 7.5', () => {
  const w = wilcoxonSignedRank([1, -2, 3, 0, 4])!;
  assert.equal(w.n, 4);
  assert.equal(w.statistic, 2);
  near(w.z, (2 - 5) / Math.sqrt(7.5), 1e-15, 'z');
  assert.equal(wilcoxonSignedRank([0, 0]), null, 'no non-zero difference: undefined');
});

test('quantiles as numpy (linear); intervals skip undefined replicates; weighted means by hand', () => {
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantileSorted([10, 20, 30], 0.25), 15);
  assert.equal(quantileSorted([7], 0.975), 7);
  assert.deepEqual(percentileInterval([NaN, 2, NaN, 1, 3], 0.5), [1.5, 2.5]);
  assert.equal(percentileInterval([NaN, NaN]), null);
  // Image 0 drawn twice, image 1 never, image 2 (undefined) once: (2·1 + 0) / 2.
  assert.equal(weightedMean([1, 5, null], [2, 0, 1], 100), 100);
  assert.equal(weightedMean([null, 5], [3, 0]), null);
  // All resamples on one side of zero: p = 2 · (1 + 0) / (B + 1).
  assert.deepEqual(pairedDifference(1, [3, 2, 4], [1, 1, 1]), { difference: 1, interval: [1.05, 2.95], p: 0.5 });
});
