// MaxBoxAcc / MaxBoxAccV2 by hand and against a cv2/numpy re-implementation of wsolevaluation (makeWsolReference.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Box } from '../../../src-shared/explainTypes.js';
import { MaxBoxAccAccumulator, boxesAtThreshold, camThresholds, scoremapToU8, wsolIoU } from '../../../src-main/evaluation/metrics/maxBoxAcc.js';
import { gtBoxesToScoremap, normalizeScoremap, resizeCubic, scoremapFromMap } from '../../../src-main/evaluation/metrics/scoremap.js';
import { WSOL_FIXTURE, type DatasetResult } from './wsolFixture.js';

/** 8×6 scoremap: a 3×3 block (0.5, centre 1) and a vertical bar (0.25, 0.75, 0.75). */
const HAND = {
  width: 8,
  height: 6,
  values: Float64Array.from(
    [
      [0, 0, 0, 0, 0, 0, 0, 0],
      [0, 0.5, 0.5, 0.5, 0, 0, 0, 0],
      [0, 0.5, 1, 0.5, 0, 0, 0.25, 0],
      [0, 0.5, 0.5, 0.5, 0, 0, 0.75, 0],
      [0, 0, 0, 0, 0, 0, 0.75, 0],
      [0, 0, 0, 0, 0, 0, 0, 0],
    ].flat(),
  ),
};

test('hand-worked boxes at four thresholds: uint8 cut, contours, largest area, clipping', () => {
  // u8 = trunc(v·255): 0.25 → 63, 0.5 → 127, 0.75 → 191, 1 → 255; cut = trunc(t·255) = 0, 63, 127, 191.
  const u8 = scoremapToU8(HAND);
  assert.deepEqual(
    [...new Set(u8)].sort((a, b) => a - b),
    [0, 63, 127, 191, 255],
  );
  const at = (t: number) => boxesAtThreshold(u8, 8, 6, t);
  // t = 0 (u8 > 0): the block (area 4, [1,1]–[3,3] → [1,1,4,4]) and the bar (a line, area 0, [6,2,7,5], y1 5 = H − 1 kept).
  assert.deepEqual(at(0), {
    largest: [1, 1, 4, 4],
    all: [
      [6, 2, 7, 5],
      [1, 1, 4, 4],
    ],
  });
  // t = 0.25 (u8 > 63): the bar loses its 0.25 pixel.
  assert.deepEqual(at(0.25), {
    largest: [1, 1, 4, 4],
    all: [
      [6, 3, 7, 5],
      [1, 1, 4, 4],
    ],
  });
  // t = 0.5 (u8 > 127): the block's centre pixel and the bar's two pixels, both area 0: the first in
  // OpenCV's order wins, and that is the bar, found later in the raster scan.
  assert.deepEqual(at(0.5), {
    largest: [6, 3, 7, 5],
    all: [
      [6, 3, 7, 5],
      [2, 2, 3, 3],
    ],
  });
  // t = 0.75 (u8 > 191): only the centre.
  assert.deepEqual(at(0.75), { largest: [2, 2, 3, 3], all: [[2, 2, 3, 3]] });
  // Nothing above the maximum: the reference's [0, 0, 0, 0].
  assert.deepEqual(boxesAtThreshold(new Uint8Array(48), 8, 6, 0), { largest: [0, 0, 0, 0], all: [[0, 0, 0, 0]] });
});

test('hand-worked V1 and V2 over two images', () => {
  // Image 1, GT columns 5..7, rows 2..4 (inclusive): IoU(+1) with [6,2,7,5] = 6/(8 + 9 − 6) = 6/11,
  // with [6,3,7,5] = 4/(6 + 9 − 4) = 4/11, with the block boxes 0.
  // Image 2, GT = the block [1,1,3,3]: with [1,1,4,4] 9/16, with [2,2,3,3] 4/9, with the bar 0.
  assert.equal(wsolIoU([6, 2, 7, 5], [5, 2, 7, 4]), 6 / 11);
  assert.equal(wsolIoU([1, 1, 4, 4], [1, 1, 3, 3]), 9 / 16);
  const acc = new MaxBoxAccAccumulator({ camCurveInterval: 0.25 });
  acc.add(HAND, [[5, 2, 7, 4]]);
  acc.add(HAND, [[1, 1, 3, 3]]);
  const r = acc.result();
  assert.deepEqual(r.thresholds, [0, 0.25, 0.5, 0.75]);
  const curve = (c: typeof r.largestContour) => c.map((x) => x.accuracy);
  // Largest contour, best IoUs per threshold: image 1 (0, 0, 4/11, 0), image 2 (9/16, 9/16, 0, 4/9).
  assert.deepEqual(curve(r.largestContour), [
    [50, 50, 50, 50], // δ 30
    [50, 50, 0, 0], // δ 50
    [0, 0, 0, 0], // δ 70
  ]);
  // All contours: image 1 (6/11, 4/11, 4/11, 0), image 2 (9/16, 9/16, 4/9, 4/9).
  assert.deepEqual(curve(r.allContours), [
    [100, 100, 100, 50],
    [100, 50, 0, 0],
    [0, 0, 0, 0],
  ]);
  assert.equal(r.v1, 50);
  assert.equal(r.largestContour[1]!.bestThreshold, 0);
  assert.equal(r.v2, (100 + 100 + 0) / 3);
});

test('a weighted result counts image i weights[i] times (a bootstrap resample), by hand', () => {
  const acc = new MaxBoxAccAccumulator({ camCurveInterval: 0.25 });
  acc.add(HAND, [[5, 2, 7, 4]]);
  acc.add(HAND, [[1, 1, 3, 3]]);
  // Image 2 drawn three times, image 1 never: all-contour δ 50 hits of image 2 alone are (1, 1, 0, 0).
  const r = acc.result([0, 3]);
  assert.equal(r.images, 3);
  assert.deepEqual(r.allContours[1]!.accuracy, [100, 100, 0, 0]);
  // Image 1 once and image 2 twice: largest contour, δ 30 → image 1 hits at 0.5 only (4/11 ≥ 0.3), image 2 at 0, 0.25, 0.75.
  assert.deepEqual(acc.result([1, 2]).largestContour[0]!.accuracy, [200 / 3, 200 / 3, 100 / 3, 200 / 3]);
});

test('thresholds are np.arange(0, 1, interval); no images → null', () => {
  const t = camThresholds();
  assert.equal(t.length, 100);
  assert.equal(t[7], 0.07000000000000001); // 7 · 0.01 in float64, as numpy fills arange
  assert.equal(t[99], 0.99);
  const r = new MaxBoxAccAccumulator().result();
  assert.equal(r.v1, null);
  assert.equal(r.v2, null);
});

test('GT boxes: camscope exclusive → inclusive (x1 − 1), then int(v · 224 / side)', () => {
  // [10, 20, 110, 70) on 500×375: inclusive 10..109, 20..69 → 4.48 → 4, 11.946 → 11, 48.83 → 48, 41.28 → 41.
  assert.deepEqual(gtBoxesToScoremap([[10, 20, 110, 70]], 500, 375), [[4, 11, 48, 41]]);
  assert.throws(() => gtBoxesToScoremap([[5, 5, 5, 9]], 10, 10), /empty/);
});

test('normalization: float64 min-max, constant or NaN → zeros', () => {
  assert.deepEqual([...normalizeScoremap([2, 4, 3])], [0, 1, 0.5]);
  assert.deepEqual([...normalizeScoremap([3, 3])], [0, 0]);
  assert.deepEqual([...normalizeScoremap([1, NaN, 2])], [0, 0, 0]);
});

test('cubic resize: a constant stays constant, the Keys weights sum to 1', () => {
  const out = resizeCubic({ width: 3, height: 2, values: [5, 5, 5, 5, 5, 5] }, 7, 5);
  for (const v of out) assert.ok(Math.abs(v - 5) < 1e-6);
});

function assertDataset(r: ReturnType<MaxBoxAccAccumulator['result']>, ref: DatasetResult): void {
  r.largestContour.forEach((c) => assert.deepEqual(c.accuracy, ref.curves.largest[String(c.iouThreshold)], `largest, δ ${c.iouThreshold}`));
  r.allContours.forEach((c) => assert.deepEqual(c.accuracy, ref.curves.all[String(c.iouThreshold)], `all, δ ${c.iouThreshold}`));
  assert.equal(r.v1, ref.v1);
  assert.equal(r.v2, ref.v2);
}

test('scoremaps (rings, blobs, single pixels, empty, smooth random): boxes, curves, V1 and V2 equal the reference', () => {
  const acc = new MaxBoxAccAccumulator();
  for (const item of WSOL_FIXTURE.scoremaps.items) {
    const sm = { width: item.width, height: item.height, values: Float64Array.from(item.values) };
    const u8 = scoremapToU8(sm);
    const boxes = acc.thresholds.map((t) => boxesAtThreshold(u8, sm.width, sm.height, t));
    assert.deepEqual(
      boxes.map((b) => b.largest),
      item.largestBoxes,
      item.name,
    );
    for (const [k, all] of Object.entries(item.allBoxesAt)) assert.deepEqual(boxes[Number(k)]!.all, all, `${item.name}, threshold ${k}`);
    acc.add(sm, item.gt);
  }
  assertDataset(acc.result(), WSOL_FIXTURE.scoremaps.result);
});

test('layer-resolution CAMs through cv2.resize INTER_CUBIC and 224-scale GT: the reference numbers exactly', () => {
  const acc = new MaxBoxAccAccumulator();
  for (const item of WSOL_FIXTURE.cams.items) {
    const map = { width: item.width, height: item.height, values: Float32Array.from(item.values) };
    const resized = resizeCubic(map, 224, 224);
    for (const [k, v] of item.resizedSamples) assert.equal(resized[k], v, `resized value ${k}`);
    const sm = scoremapFromMap(map);
    assert.equal(
      scoremapToU8(sm).reduce((a, b) => a + b, 0),
      item.scoremapU8Sum,
    );
    const gt = gtBoxesToScoremap(item.gt as Box[], item.imageWidth, item.imageHeight);
    assert.deepEqual(gt, item.gt224);
    acc.add(sm, gt);
  }
  assertDataset(acc.result(), WSOL_FIXTURE.cams.result);
});

test("'bilinear' scoremaps: camscope's normalized bilinear heatmap, renormalized to span 0..1", () => {
  const map = { width: 2, height: 2, values: [0, 1, 2, 3] };
  const sm = scoremapFromMap(map, { size: 4, interpolation: 'bilinear' });
  assert.equal(Math.min(...sm.values), 0);
  assert.equal(Math.max(...sm.values), 1);
  // Row 0 of F.interpolate(…, 4×4, bilinear): source x = −0.25 → clamped 0, 0.25, 0.75, 1.25 → 1 (edge).
  // Values come from float32 (the shared upsampling), hence the tolerance.
  [0, 1 / 12, 3 / 12, 4 / 12].forEach((v, x) => assert.ok(Math.abs(sm.values[x]! - v) < 1e-7, `x = ${x}`));
});
