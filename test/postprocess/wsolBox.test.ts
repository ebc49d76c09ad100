// The one WSOL rule (src-shared/wsolBox.ts) on hand-made maps with known components, a brute-force flood fill
// cross-check, and the definitions of "no box" and "no ground truth".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IOU_HIT, WSOL_THRESHOLD, bestIoU, boxFromMap, boxIoU, isHit, type Box } from '../../src-shared/wsolBox.js';
import type { MapGrid } from '../../src-main/explain/postprocess/mapGrid.js';
import { rng } from '../helpers/random.js';
import { minLabelFlood } from './floodFill.js';

/** A map from rows of characters: '.' is 0, a digit d is the value d. */
function art(rows: string[]): MapGrid {
  const values = Float32Array.from(rows.join(''), (ch) => (ch === '.' ? 0 : Number(ch)));
  return { width: rows[0]!.length, height: rows.length, values };
}

/** A map already at image resolution, boxed as it is (equal sizes: upsampling is a copy). */
function wsolBox(map: MapGrid, { threshold = WSOL_THRESHOLD } = {}): Box | null {
  return boxFromMap(map, map.width, map.height, threshold);
}

test('two blobs: the box of the bigger one, in edge coordinates', () => {
  const map = art(['.........', '.999.....', '.999.....', '.999..99.', '......99.']);
  assert.deepEqual(wsolBox(map), [1, 1, 4, 4]);
});

test('a diagonal-only link joins pixels under 8-connectivity (it would not under 4)', () => {
  const map = art(['9.....', '.9..99', '..9...']);
  // Two components of 3 and 2 pixels; under 4-connectivity the pair (2 pixels) would beat three single pixels.
  assert.deepEqual(wsolBox(map), [0, 0, 3, 3]);
});

test('a component touching the right and bottom borders ends at width and height', () => {
  const map = art(['9.....', '....99', '...999']);
  assert.deepEqual(wsolBox(map), [3, 1, 6, 3]);
});

test('equal sizes: the component met first in the row-major scan wins', () => {
  const map = art(['......99', '99....99', '99......']);
  assert.deepEqual(wsolBox(map), [6, 0, 8, 2]);
});

test('a value exactly at the threshold is kept; just below it is not', () => {
  // Range 0..5, so 1 normalizes to exactly 0.2.
  const map = art(['5.1', '...']);
  assert.deepEqual(wsolBox(map), [0, 0, 1, 1]);
  map.values[1] = 1;
  assert.deepEqual(wsolBox(map), [0, 0, 3, 1]);
  map.values[1] = 0.999;
  assert.deepEqual(wsolBox(map), [0, 0, 1, 1]);
  assert.deepEqual(wsolBox(map, { threshold: 0.199 }), [0, 0, 3, 1]);
});

test('signed maps are min-max normalized: the threshold is 20 % of the way from min to max', () => {
  // Range −5..5: −3 is exactly 20 %, −3.5 is below it.
  const map: MapGrid = { width: 4, height: 2, values: Float32Array.from([5, -3, -5, -3.5, -5, -5, -5, -3]) };
  assert.deepEqual(wsolBox(map), [0, 0, 2, 1]);
});

test('a constant map has nothing to localize', () => {
  assert.equal(wsolBox({ width: 3, height: 2, values: new Float32Array(6).fill(-1) }), null);
});

test('threshold outside [0, 1] and a malformed map are refused', () => {
  const map = art(['9.']);
  assert.throws(() => wsolBox(map, { threshold: 1.5 }), /threshold 1.5 is outside \[0, 1\]/);
  assert.throws(() => wsolBox(map, { threshold: NaN }), /outside \[0, 1\]/);
  assert.throws(() => wsolBox({ width: 3, height: 1, values: new Float32Array(2) }), /2 values, expected 3×1/);
});

test("the constants are the CAM paper's 20 % and the ILSVRC hit IoU ≥ 0.5", () => {
  assert.equal(WSOL_THRESHOLD, 0.2);
  assert.equal(IOU_HIT, 0.5);
  assert.equal(isHit(0.5), true);
  assert.equal(isHit(0.4999), false);
  assert.equal(isHit(null), null, 'no ground truth: neither hit nor miss');
});

test('no box scores 0 against ground truth (a miss); no ground truth scores null', () => {
  const flat = boxFromMap({ width: 2, height: 2, values: [1, 1, 1, 1] }, 8, 8);
  assert.equal(flat, null);
  assert.equal(bestIoU(flat, [[0, 0, 4, 4]]), 0);
  assert.equal(isHit(bestIoU(flat, [[0, 0, 4, 4]])), false);
  assert.equal(bestIoU([0, 0, 4, 4], []), null);
  assert.equal(bestIoU(null, []), null);
  // The best over several instances: [0,0,4,4] against [0,0,4,8] (IoU 16/32) and [2,0,6,4] (8/24).
  assert.equal(
    bestIoU(
      [0, 0, 4, 4],
      [
        [2, 0, 6, 4],
        [0, 0, 4, 8],
      ],
    ),
    0.5,
  );
});

test('boxFromMap upsamples first: 2×2 corner peak → 4×4', () => {
  // Upsampled value at (x, y) is a[x]·a[y] with a = [1, 0.75, 0.25, 0]:
  // row 0: 1 .75 .25 0; row 1: .75 .5625 .1875 0; row 2: .25 .1875 .0625 0 → kept (≥ 0.2): 3 + 2 + 1 pixels.
  assert.deepEqual(boxFromMap({ width: 2, height: 2, values: Float32Array.from([1, 0, 0, 0]) }, 4, 4), [0, 0, 3, 3]);
});

test('boxFromMap of a constant low-resolution map is null, although upsampling leaves ulp-sized ripples', () => {
  const flat: MapGrid = { width: 3, height: 2, values: new Float32Array(6).fill(0.3) };
  assert.equal(boxFromMap(flat, 17, 9), null);
});

/** Random blobby masks: a few filled discs plus salt noise. */
function randomMask(r: () => number, w: number, h: number): Uint8Array {
  const mask = new Uint8Array(w * h);
  const discs = 1 + Math.floor(r() * 5);
  for (let d = 0; d < discs; d++) {
    const cx = r() * w,
      cy = r() * h,
      rad = 0.5 + r() * 4;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= rad * rad) mask[y * w + x] = 1;
  }
  for (let i = 0; i < mask.length; i++) if (r() < 0.08) mask[i] = 1;
  return mask;
}

test('the box of the largest component agrees with a brute-force flood fill on random blobs', () => {
  const r = rng(2024);
  for (let trial = 0; trial < 200; trial++) {
    const w = 1 + Math.floor(r() * 24),
      h = 1 + Math.floor(r() * 18);
    const mask = randomMask(r, w, h);
    const brute = minLabelFlood(mask, w, h);
    const firstPixels = [...new Set(brute)].filter((l) => l > 0).sort((a, b) => a - b);

    // Largest component by brute force (ties: smallest first pixel), boxed by scanning its pixels.
    const size = new Map<number, number>();
    for (const l of brute) if (l) size.set(l, (size.get(l) ?? 0) + 1);
    let best = 0;
    for (const l of firstPixels) if (!best || size.get(l)! > size.get(best)!) best = l;
    let expected: Box | null = null;
    if (best) {
      expected = [w, h, 0, 0];
      for (let p = 0; p < mask.length; p++) {
        if (brute[p] !== best) continue;
        const x = p % w,
          y = Math.floor(p / w);
        expected = [Math.min(expected[0], x), Math.min(expected[1], y), Math.max(expected[2], x + 1), Math.max(expected[3], y + 1)];
      }
    }
    const map: MapGrid = { width: w, height: h, values: Float32Array.from(mask) };
    assert.deepEqual(wsolBox(map), mask.includes(0) ? expected : null, `trial ${trial} (${w}×${h})`);
  }
});

test('a 4000×3000 map upsamples and localizes without recursion', () => {
  // One broad peak: the kept region is a single component of millions of pixels.
  const low: MapGrid = { width: 7, height: 7, values: new Float32Array(49) };
  for (let y = 0; y < 7; y++) for (let x = 0; x < 7; x++) low.values[y * 7 + x] = Math.exp(-((x - 3) ** 2 + (y - 3) ** 2) / 4);
  const box = boxFromMap(low, 4000, 3000);
  assert.ok(box, 'a box');
  const [x0, y0, x1, y1] = box;
  assert.ok(x0 > 0 && y0 > 0 && x1 < 4000 && y1 < 3000 && x1 - x0 > 1000, `box ${box}`);
  // Symmetric peak on the 7×7 grid → box symmetric about the image centre.
  assert.equal(x0 + x1, 4000);
  assert.equal(y0 + y1, 3000);
});

test('boxIoU on hand-worked boxes (pixel-edge coordinates)', () => {
  // [0,0,4,4] (area 16) and [2,2,6,6] (area 16) share [2,2,4,4] (area 4): 4 / (16 + 16 − 4) = 1/7.
  assert.equal(boxIoU([0, 0, 4, 4], [2, 2, 6, 6]), 4 / 28);
  assert.equal(boxIoU([0, 0, 4, 4], [0, 0, 4, 4]), 1);
  assert.equal(boxIoU([0, 0, 2, 2], [2, 0, 4, 2]), 0, 'touching edges share no pixel');
  assert.equal(boxIoU([1, 1, 3, 5], [0, 2, 4, 3]), 2 / (8 + 4 - 2));
});
