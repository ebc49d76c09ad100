// Localization accuracy curve: thresholds, per-image sweeps, the curve, the images behind a point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracyCurve, bestThresholdIndex, imagesAt, IOU_HIT, sweepImage, thresholdIndexOf, THRESHOLDS, type ImageSweep } from '../../src-renderer/lib/localization.js';
import { boxFromMap } from '../../src-renderer/lib/wsolBox.js';

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

test('sweepImage boxes the map at every threshold exactly as boxFromMap does, and scores with the best ground truth', () => {
  const grid = { width: 3, height: 3, values: [0, 0, 0, 0, 9, 4, 0, 0, 0] };
  const truth: [number, number, number, number] = [30, 30, 60, 60];
  const s = sweepImage(7, grid, 90, 90, [truth])!;
  assert.equal(s.imageId, 7);
  THRESHOLDS.forEach((t, i) => assert.deepEqual(s.boxes[i], boxFromMap(grid, 90, 90, t)));
  assert.ok(s.ious.every((v) => v >= 0 && v <= 1));
  assert.equal(sweepImage(7, grid, 90, 90, []), null, 'no ground truth, no vote');
});

test('a constant map scores 0 at every threshold (no box), not null', () => {
  const s = sweepImage(1, { width: 2, height: 2, values: [1, 1, 1, 1] }, 10, 10, [[0, 0, 5, 5]])!;
  assert.ok(s.boxes.every((b) => b === null));
  assert.ok(s.ious.every((v) => v === 0));
});

const sweep = (imageId: number, ious: number[]): ImageSweep => ({ imageId, boxes: ious.map(() => null), ious });

test('accuracyCurve counts IoU ≥ 0.5 (inclusive) per threshold; NaN without images', () => {
  const sweeps = [sweep(1, [0.5, 0.2]), sweep(2, [0.7, 0.49]), sweep(3, [0.1, 0.9]), sweep(4, [0.5, 0.5])];
  assert.deepEqual(accuracyCurve(sweeps, 2), [0.75, 0.5]);
  assert.ok(accuracyCurve([], 2).every(Number.isNaN));
  assert.equal(IOU_HIT, 0.5);
});

test('imagesAt splits hits and misses at one threshold, each by falling IoU then id', () => {
  const sweeps = [sweep(1, [0.5]), sweep(2, [0.9]), sweep(3, [0.1]), sweep(4, [0.3]), sweep(5, [0.3])];
  const { hits, misses } = imagesAt(sweeps, 0);
  assert.deepEqual(hits.map((s) => s.imageId), [2, 1]);
  assert.deepEqual(misses.map((s) => s.imageId), [4, 5, 3]);
});

test('bestThresholdIndex takes the earliest maximum and skips NaN', () => {
  assert.equal(bestThresholdIndex([0.2, 0.6, 0.6, 0.1]), 1);
  assert.equal(bestThresholdIndex([NaN, 0.3]), 1);
  assert.equal(bestThresholdIndex([]), -1);
});
