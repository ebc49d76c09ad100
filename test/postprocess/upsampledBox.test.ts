// boxFromMap's direct path (src-shared/upsampledBox.ts: the box from the layer map, no upsampled map formed) against
// the per-pixel path it replaces (upsample with upsampleBilinear, min-max, the threshold test per pixel, the largest
// component), on maps that stress it: ReLU zeros, signed values, plateaus, integer levels that put pixels exactly on
// the threshold, thresholds 0 and 1, images smaller than the map, full-size photos; and passCutoff on hand-worked values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxAtThreshold, boxFromMap, prepareBoxableMap, type Box } from '../../src-shared/wsolBox.js';
import { passCutoff } from '../../src-shared/upsampledBox.js';
import { upsampleBilinear, valueRange, type Grid } from '../../src-shared/mapGrid.js';
import { rng } from '../helpers/random.js';

/** The per-pixel rule written out: every upsampled value, its range, (v − min)/range ≥ threshold. */
function perPixelBox(grid: Grid, w: number, h: number, threshold: number, maxPixels = Infinity): Box | null {
  if (!(valueRange(grid.values).max - valueRange(grid.values).min > 0)) return null;
  const map = prepareBoxableMap(grid, w, h, maxPixels)!;
  const values = upsampleBilinear(grid, map.width, map.height);
  assert.deepEqual(map.values, values, 'prepareBoxableMap holds the upsampled map');
  const { min, max } = valueRange(values);
  assert.equal(map.min, min);
  assert.equal(map.range, max - min);
  return boxAtThreshold(map, threshold);
}

function randomMap(r: () => number, kind: number): Grid {
  const w = 1 + Math.floor(r() * 9);
  const h = 1 + Math.floor(r() * 9);
  const value = [
    () => Math.max(0, r() - 0.5), // ReLU'd: zero regions
    () => (r() - 0.5) * 1e3, // signed, large
    () => Math.round(r() * 3), // integer levels: plateaus and values exactly at 20 %
    () => 1e-30 * r(), // tiny
    () => 5 + 1e-4 * r(), // a large offset with a small range
  ][kind]!;
  return { width: w, height: h, values: Float32Array.from({ length: w * h }, value) };
}

test('the direct box equals the per-pixel box on random maps, sizes and thresholds', () => {
  const r = rng(515);
  for (let trial = 0; trial < 1500; trial++) {
    const grid = randomMap(r, trial % 5);
    const big = trial % 50 === 0;
    const w = 1 + Math.floor(r() * (big ? 1100 : 90));
    const h = 1 + Math.floor(r() * (big ? 900 : 70));
    const threshold = [0, 1, 0.2, r()][trial % 4]!;
    assert.deepEqual(
      boxFromMap(grid, w, h, threshold),
      perPixelBox(grid, w, h, threshold),
      `trial ${trial}: ${grid.width}×${grid.height} → ${w}×${h} at ${threshold}`,
    );
  }
});

test('the direct box equals the per-pixel box on a smooth CAM-like 7×7 map at photo sizes, and under a pixel cap', () => {
  const values = new Float32Array(49);
  const grid: Grid = { width: 7, height: 7, values };
  for (let y = 0; y < 7; y++) for (let x = 0; x < 7; x++) values[y * 7 + x] = Math.max(0, Math.exp(-((x - 2) ** 2 + (y - 4) ** 2) / 3) - 0.1);
  for (const [w, h] of [
    [1024, 768],
    [640, 480],
    [224, 224],
    [3, 2],
  ] as const) {
    for (const t of [0.2, 0.5, 0.9]) assert.deepEqual(boxFromMap(grid, w, h, t), perPixelBox(grid, w, h, t), `${w}×${h} at ${t}`);
  }
  assert.deepEqual(boxFromMap(grid, 1024, 768, 0.2, 100_000), perPixelBox(grid, 1024, 768, 0.2, 100_000));
});

test('a map whose only variation is lost in upsampling to one pixel has no box on either path', () => {
  const grid: Grid = { width: 2, height: 1, values: Float32Array.from([0, 1]) };
  assert.equal(boxFromMap(grid, 1, 1), null);
  assert.equal(boxAtThreshold(prepareBoxableMap(grid, 1, 1)!, 0.2), null);
});

test('non-finite maps take the per-pixel path (same answer as before)', () => {
  const grid: Grid = { width: 2, height: 2, values: Float32Array.from([0, NaN, 1, 0]) };
  const map = prepareBoxableMap(grid, 4, 4)!;
  assert.deepEqual(boxFromMap(grid, 4, 4), boxAtThreshold(map, 0.2));
});

test('passCutoff: the smallest float32 that passes (v − min)/range ≥ threshold, on hand-worked values', () => {
  // Range 0..5 at 0.2: exactly 1 passes, the float32 just below 1 (1 − 2⁻²⁴) does not.
  assert.equal(passCutoff(0, 5, 0.2), 1);
  assert.ok(!((Math.fround(1 - 2 ** -24) - 0) / 5 >= 0.2));
  // Threshold 0 keeps everything from the minimum up; threshold 1 only values at the maximum (in double rounding).
  assert.equal(passCutoff(-3, 4, 0), -3);
  assert.equal(passCutoff(-3, 4, 1), 1);
  // 0.1 + 0.2·0.3 is not a float32: the cutoff is the float32 above it, and the one below fails.
  const c = passCutoff(0.1, 0.3, 0.2);
  assert.ok((c - 0.1) / 0.3 >= 0.2);
  const below = new Float32Array([c]);
  new Int32Array(below.buffer)[0]! -= 1;
  assert.ok(!((below[0]! - 0.1) / 0.3 >= 0.2));
  assert.equal(Math.fround(c), c, 'a float32');
});
