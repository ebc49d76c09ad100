// GT-known / Top-1 localization and the pointing game on hand-worked maps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localizationAccuracy, localizeImage } from '../../../src-main/evaluation/metrics/localization.js';
import { pointingAccuracy, pointingGame } from '../../../src-main/evaluation/metrics/pointingGame.js';

const grid = (width: number, height: number, values: number[]) => ({ width, height, values: Float32Array.from(values) });
// A 2×2 block in a 4×4 map at image size (no upsampling): box [1, 1, 3, 3].
const BLOCK = grid(4, 4, [0, 0, 0, 0, 0, 9, 9, 0, 0, 9, 9, 0, 0, 0, 0, 0]);
const IMAGE4 = { width: 4, height: 4 };

test('GT-known: IoU ≥ 0.5 with any GT box, 0.5 itself included', () => {
  assert.deepEqual(localizeImage(BLOCK, IMAGE4, [[1, 1, 3, 3]]), { box: [1, 1, 3, 3], iou: 1, gtKnown: true, top1: null });
  // 4 / (4 + 8 − 4) = 0.5 exactly.
  assert.equal(localizeImage(BLOCK, IMAGE4, [[1, 1, 3, 5]]).gtKnown, true);
  // 4 / 12 = 1/3: missed alone, but any box counts.
  assert.equal(localizeImage(BLOCK, IMAGE4, [[0, 1, 3, 5]]).gtKnown, false);
  assert.equal(
    localizeImage(BLOCK, IMAGE4, [
      [0, 1, 3, 5],
      [1, 1, 3, 3],
    ]).iou,
    1,
  );
});

test('Top-1 Loc needs the top-1 class right as well; unknown stays null', () => {
  assert.equal(localizeImage(BLOCK, IMAGE4, [[1, 1, 3, 3]], { top1Correct: true }).top1, true);
  assert.equal(localizeImage(BLOCK, IMAGE4, [[1, 1, 3, 3]], { top1Correct: false }).top1, false);
  assert.equal(localizeImage(BLOCK, IMAGE4, [[0, 0, 1, 1]], { top1Correct: true }).top1, false);
});

test('the box comes from the map upsampled to the image (bilinear), thresholded at 20 %', () => {
  // 2×2 → 4×4: per-axis weights of the bright corner are 0, 0.25, 0.75, 1; products ≥ 0.2 are
  // x, y ∈ {2, 3} plus (1, 3) and (3, 1) (0.25; 0.25·0.75 = 0.1875 is out): box [1, 1, 4, 4].
  const out = localizeImage(grid(2, 2, [0, 0, 0, 1]), IMAGE4, [[1, 1, 4, 4]]);
  assert.deepEqual(out.box, [1, 1, 4, 4]);
  assert.equal(out.iou, 1);
});

test('a constant map has no box and localizes nothing', () => {
  assert.deepEqual(localizeImage(grid(2, 2, [3, 3, 3, 3]), IMAGE4, [[0, 0, 4, 4]], { top1Correct: true }), {
    box: null,
    iou: 0,
    gtKnown: false,
    top1: false,
  });
});

test('aggregation: GT-known over all images, Top-1 over those with a known top-1', () => {
  const hit = localizeImage(BLOCK, IMAGE4, [[1, 1, 3, 3]], { top1Correct: true });
  const wrongClass = localizeImage(BLOCK, IMAGE4, [[1, 1, 3, 3]], { top1Correct: false });
  const unknown = localizeImage(BLOCK, IMAGE4, [[0, 0, 1, 1]]);
  assert.deepEqual(localizationAccuracy([hit, wrongClass, unknown]), { images: 3, gtKnownLoc: 200 / 3, top1Loc: 50 });
  assert.deepEqual(localizationAccuracy([]), { images: 0, gtKnownLoc: null, top1Loc: null });
});

test("pointing game: strict inside a GT box by default, the paper's tolerance as an option", () => {
  const map = grid(3, 3, [0, 1, 0, 2, 3, 7, 0, 1, 0]); // maximum at (2, 1)
  const image = { width: 3, height: 3 };
  assert.deepEqual(pointingGame(map, image, [[2, 1, 3, 2]]), { hit: true, point: [2, 1] });
  assert.equal(pointingGame(map, image, [[0, 0, 2, 3]]).hit, false); // columns 0..1
  assert.equal(pointingGame(map, image, [[0, 0, 2, 3]], { tolerance: 1 }).hit, true); // 1 px away
});

test('pointing game tolerance is Euclidean distance to the nearest box pixel', () => {
  const values = new Array(100).fill(0);
  values[5 * 10 + 5] = 1; // (5, 5); box pixels 0..1 → nearest (1, 1), distance² = 32
  const map = grid(10, 10, values);
  const image = { width: 10, height: 10 };
  assert.equal(pointingGame(map, image, [[0, 0, 2, 2]], { tolerance: 5 }).hit, false);
  assert.equal(pointingGame(map, image, [[0, 0, 2, 2]], { tolerance: 6 }).hit, true);
});

test('pointing game ties: the first maximum in row-major order; a constant map points nowhere', () => {
  const tie = grid(3, 3, [0, 0, 5, 0, 0, 0, 5, 0, 0]); // (2, 0) and (0, 2)
  assert.deepEqual(pointingGame(tie, { width: 3, height: 3 }, [[0, 2, 1, 3]]), { hit: false, point: [2, 0] });
  assert.deepEqual(pointingGame(grid(2, 2, [1, 1, 1, 1]), IMAGE4, [[0, 0, 4, 4]]), { hit: false, point: null });
});

test('pointing game upsamples to the image first', () => {
  // 2×2 → 4×4: only (3, 3) reaches the corner value.
  assert.deepEqual(pointingGame(grid(2, 2, [0, 0, 0, 1]), IMAGE4, [[3, 3, 4, 4]]), { hit: true, point: [3, 3] });
  assert.equal(
    pointingAccuracy([
      { hit: true, point: [0, 0] },
      { hit: false, point: null },
    ]),
    50,
  );
  assert.equal(pointingAccuracy([]), null);
});
