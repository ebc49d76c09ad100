// jet against matplotlib's LinearSegmentedColormap('jet', N=256) lookup table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colorAt, colormapIndex as jetIndex, colormapTable, LUT_SIZE } from '../../src-shared/colormap.js';

const jet = (t: number) => colorAt('jet', t);

test('jet end points: dark blue at 0, dark red at 1', () => {
  assert.deepEqual(jet(0), [0, 0, 127]);
  assert.deepEqual(jet(1), [127, 0, 0]);
});

test('jet at 0.5 comes from entry 128, evaluated at x = 128/255 ≈ 0.50196', () => {
  // red on (0.35, 0) → (0.66, 1): (128 − 89.25)/79.05 = 0.49019… → ×255 = 124.99… → 124 (bytes truncate)
  // green is 1 on [0.375, 0.64]; blue on (0.34, 1) → (0.65, 0): 255 − (128 − 86.7)/0.31 ≈ 121.77 → 121
  assert.deepEqual(jet(0.5), [124, 255, 121]);
});

test('jet matches values computed from the segment data with numpy', () => {
  // Reference: matplotlib's _create_lookup_table replayed in numpy, (lut·255).astype(uint8) as to_rgba(bytes=True).
  assert.deepEqual(jet(0.1), [0, 0, 241]); // entry 25: blue 241.14
  assert.deepEqual(jet(0.4), [41, 255, 205]); // entry 102: red 41.13, blue 205.65
  assert.deepEqual(jet(0.6), [205, 255, 41]); // entry 153: the mirror image of 0.4
  assert.deepEqual(jet(0.7), [255, 196, 0]); // entry 179: green 196.48
  assert.deepEqual(jet(0.75), [255, 148, 0]); // entry 192: green 148.33
  assert.deepEqual(jet(0.9), [241, 7, 0]); // entry 230: red 241.14, green 7.59
  assert.deepEqual(jet(0.95), [182, 0, 0]); // entry 243: red 182.05
});

test('jetIndex quantizes like matplotlib: floor(t·256), 1 and above on the last entry, below 0 on the first', () => {
  assert.equal(jetIndex(0), 0);
  assert.equal(jetIndex(1 / 256 - 1e-9), 0);
  assert.equal(jetIndex(1 / 256), 1);
  assert.equal(jetIndex(0.999), 255);
  assert.equal(jetIndex(1), 255);
  assert.equal(jetIndex(7), 255);
  assert.equal(jetIndex(-0.5), 0);
  assert.equal(jetIndex(NaN), 0);
  assert.equal(colormapTable('jet').length, 3 * LUT_SIZE);
});
