// Localization accuracy: thresholds, per-image sweeps and the curve (src-shared/wsolCurve.ts), the view's index helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracyInterval, bestThresholdIndex, pairedAccuracy, thresholdIndexOf } from '../../src-renderer/lib/localization.js';
import { bootstrapReplicates, percentileInterval, weightedMean } from '../../src-shared/bootstrap.js';
import { boxFromMap } from '../../src-shared/wsolBox.js';
import { accuracyCurve, sweepImage, THRESHOLDS, type ImageSweep } from '../../src-shared/wsolCurve.js';
import { IOU_HIT } from '../../src-shared/wsolBox.js';

test('19 thresholds 0.05 … 0.95, exact decimals', () => {
  assert.equal(THRESHOLDS.length, 19);
  assert.equal(THRESHOLDS[0], 0.05);
  assert.equal(THRESHOLDS[3], 0.2);
  assert.equal(THRESHOLDS[18], 0.95);
});

test('thresholdIndexOf rounds to the nearest curve point and clamps', () => {
  assert.equal(thresholdIndexOf(0.2), 3);
  assert.equal(thresholdIndexOf(0.23), 4); // nearest point 0.25
  assert.equal(thresholdIndexOf(0.22), 3); // nearest point 0.20
  assert.equal(thresholdIndexOf(0.01), 0);
  assert.equal(thresholdIndexOf(0.99), 18);
});

test('sweepImage scores the box boxFromMap draws at every threshold against the best ground truth', () => {
  const grid = { width: 3, height: 3, values: [0, 0, 0, 0, 9, 4, 0, 0, 0] };
  const truths: [number, number, number, number][] = [
    [0, 0, 10, 10],
    [30, 30, 60, 60],
  ];
  const s = sweepImage(7, grid, 90, 90, truths, THRESHOLDS)!;
  assert.equal(s.imageId, 7);
  THRESHOLDS.forEach((t, i) => {
    const box = boxFromMap(grid, 90, 90, t)!;
    const iou = (a: number[], b: number[]) => {
      const inter = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!)) * Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
      return inter / ((a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter);
    };
    assert.equal(s.ious[i], Math.max(iou(box, truths[0]!), iou(box, truths[1]!)), `threshold ${t}`);
  });
  assert.equal(sweepImage(7, grid, 90, 90, [], THRESHOLDS), null, 'no ground truth, no vote');
});

test('a constant map scores 0 at every threshold (no box), not null', () => {
  const s = sweepImage(1, { width: 2, height: 2, values: [1, 1, 1, 1] }, 10, 10, [[0, 0, 5, 5]], THRESHOLDS)!;
  assert.ok(s.ious.every((v) => v === 0));
});

const sweep = (imageId: number, ious: number[]): ImageSweep => ({ imageId, ious });

test('accuracyCurve: IoU ≥ 0.5 counts (inclusive), mean IoU, hits and misses by falling IoU then id; null without images', () => {
  const sweeps = [sweep(1, [0.5, 0.2]), sweep(2, [0.7, 0.49]), sweep(3, [0.1, 0.9]), sweep(4, [0.5, 0.5])];
  const [a, b] = accuracyCurve(sweeps, [0.1, 0.6]);
  assert.deepEqual(a, { threshold: 0.1, accuracy: 0.75, meanIoU: (0.5 + 0.7 + 0.1 + 0.5) / 4, hits: [2, 1, 4], misses: [3] });
  assert.deepEqual(b, { threshold: 0.6, accuracy: 0.5, meanIoU: (0.2 + 0.49 + 0.9 + 0.5) / 4, hits: [3, 4], misses: [2, 1] });
  assert.deepEqual(accuracyCurve([], [0.2]), [{ threshold: 0.2, accuracy: null, meanIoU: null, hits: [], misses: [] }]);
  assert.equal(IOU_HIT, 0.5);
});

test('bestThresholdIndex takes the earliest maximum and skips NaN and null', () => {
  assert.equal(bestThresholdIndex([0.2, 0.6, 0.6, 0.1]), 1);
  assert.equal(bestThresholdIndex([NaN, null, 0.3]), 2);
  assert.equal(bestThresholdIndex([]), -1);
});

test("the app's accuracy interval: a percentile bootstrap over the point's images, independent of list order", () => {
  const point = { hits: [4, 1, 9], misses: [7, 2] };
  const iv = accuracyInterval(point)!;
  // The same resamples over the hits in ascending image order (1, 2, 4, 7, 9 → 1, 0, 1, 0, 1).
  const [reps] = bootstrapReplicates(5, (w) => [weightedMean([1, 0, 1, 0, 1], w)]);
  assert.deepEqual(iv, percentileInterval(reps!));
  assert.deepEqual(accuracyInterval({ hits: [9, 4, 1], misses: [2, 7] }), iv);
  assert.ok(iv[0] < 0.6 && iv[1] > 0.6);
  assert.deepEqual(accuracyInterval({ hits: [1, 2], misses: [] }), [1, 1]);
  assert.equal(accuracyInterval({ hits: [], misses: [] }), null);
});

test('paired accuracy of two runs: on the images both scored, every resample shared', () => {
  // Image 5 only in run a: left out. On 1..4, a hits all, b none: Δ = 1 in every resample, p = 2/(B + 1).
  const p = pairedAccuracy({ hits: [1, 2, 3, 4, 5], misses: [] }, { hits: [], misses: [4, 3, 2, 1] }, 99)!;
  assert.deepEqual(p, { difference: 1, interval: [1, 1], p: 0.02, images: 4 });
  const same = pairedAccuracy({ hits: [1], misses: [2, 3] }, { hits: [1], misses: [3, 2] })!;
  assert.deepEqual([same.difference, same.interval, same.p], [0, [0, 0], 1]);
  assert.equal(pairedAccuracy({ hits: [1], misses: [] }, { hits: [2], misses: [] }), null);
});
