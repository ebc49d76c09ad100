// Pearson and Spearman agreement of two maps, worked by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averageRanks, pearson, spearman } from '../../../src-shared/mapAgreement.js';
import { upsampleBilinear } from '../../../src-shared/mapGrid.js';

const row = (values: number[]) => ({ width: values.length, height: 1, values });

test('Pearson: ±1 for (anti)proportional maps, 0.8 for one swapped pair', () => {
  assert.equal(pearson(row([1, 2, 3, 4]), row([2, 4, 6, 8])), 1);
  assert.equal(pearson(row([1, 2, 3, 4]), row([4, 3, 2, 1])), -1);
  // Deviations (−1.5, −0.5, 0.5, 1.5) and (−1.5, 0.5, −0.5, 1.5): 4 / √(5 · 5).
  assert.ok(Math.abs(pearson(row([1, 2, 3, 4]), row([1, 3, 2, 4]))! - 0.8) < 1e-15);
});

test('Spearman: 1 for any increasing relation; ties share their mean rank', () => {
  assert.ok(pearson(row([1, 2, 3, 4]), row([1, 4, 9, 100]))! < 0.9);
  assert.equal(spearman(row([1, 2, 3, 4]), row([1, 4, 9, 100])), 1);
  assert.deepEqual([...averageRanks([3, 1, 3, 2])], [3.5, 1, 3.5, 2]);
  // Ranks (1, 2.5, 2.5, 4) vs (1, 2, 3, 4): 4.5 / √(4.5 · 5) = 3/√10.
  assert.ok(Math.abs(spearman(row([1, 2, 2, 3]), row([10, 20, 30, 40]))! - 3 / Math.sqrt(10)) < 1e-15);
});

test('a constant map correlates with nothing: null', () => {
  assert.equal(pearson(row([2, 2, 2]), row([1, 2, 3])), null);
  assert.equal(spearman(row([1, 2, 3]), row([0, 0, 0])), null);
});

test('different grids: the smaller map is upsampled to the larger grid first', () => {
  const small = { width: 2, height: 2, values: [0, 1, 2, 5] };
  const big = { width: 4, height: 4, values: Array.from(upsampleBilinear(small, 4, 4), (v) => 3 * v + 1) };
  assert.ok(Math.abs(pearson(small, big)! - 1) < 1e-12);
  assert.ok(Math.abs(pearson(big, small)! - 1) < 1e-12);
  assert.equal(spearman(small, big), 1);
});
