// Renderer upsampling and normalization: bit-identical to the engine (itself bit-exact to PyTorch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heatmap, minMaxNormalize, upsampleBilinear, valueRange } from '../../src-shared/mapGrid.js';
import * as engine from '../../src-main/explain/postprocess/mapGrid.js';
import { uniform } from '../helpers/random.js';

test('2×2 → 4×4 by hand (align_corners=False: taps at −0.25→0, 0.25, 0.75, 1.25→edge)', () => {
  const up = upsampleBilinear({ width: 2, height: 2, values: [0, 4, 8, 12] }, 4, 4);
  assert.deepEqual([...up], [0, 1, 3, 4, 2, 3, 5, 6, 6, 7, 9, 10, 8, 9, 11, 12]);
});

test('equal sizes copy, a 1×1 map fills the output', () => {
  const values = [1.5, -2, 3, 0.25, 9, 4];
  assert.deepEqual([...upsampleBilinear({ width: 3, height: 2, values }, 3, 2)], values.map(Math.fround));
  assert.deepEqual([...upsampleBilinear({ width: 1, height: 1, values: [7] }, 3, 2)], [7, 7, 7, 7, 7, 7]);
});

test('matches the engine bit for bit: layer maps up to image sizes, odd ratios and downsampling', () => {
  const cases: [number, number, number, number][] = [[7, 7, 224, 224], [7, 7, 500, 375], [14, 14, 333, 500], [13, 9, 37, 53], [28, 28, 17, 11], [6, 4, 6, 9]];
  cases.forEach(([w, h, ow, oh], k) => {
    const values = uniform(w * h, -3, 5, 100 + k);
    const ours = upsampleBilinear({ width: w, height: h, values }, ow, oh);
    const theirs = engine.upsampleBilinear({ width: w, height: h, values }, ow, oh).values;
    assert.deepEqual(Buffer.from(ours.buffer), Buffer.from(theirs.buffer), `${w}×${h} → ${ow}×${oh}`);
  });
});

test('minMaxNormalize: min → 0, max → 1; a constant map is zeros, never NaN; NaN entries are skipped for the range', () => {
  assert.deepEqual([...minMaxNormalize([-2, 0, 2, 6])], [0, 0.25, 0.5, 1]);
  assert.deepEqual([...minMaxNormalize([5, 5, 5])], [0, 0, 0]);
  assert.deepEqual(valueRange([NaN, 3, -1]), { min: -1, max: 3 });
  assert.ok(Number.isNaN(valueRange([NaN]).min));
});

test('heatmap normalizes at layer resolution, then upsamples (the order of the engine’s overlays)', () => {
  const values = uniform(49, -1, 4, 7);
  const ours = heatmap({ width: 7, height: 7, values }, 60, 45);
  const theirs = engine.upsampleBilinear(engine.minMaxNormalize({ width: 7, height: 7, values }), 60, 45).values;
  assert.deepEqual([...ours], [...theirs]);
});

test('bad sizes are rejected', () => {
  assert.throws(() => upsampleBilinear({ width: 2, height: 2, values: [1, 2, 3] }, 4, 4), RangeError);
  assert.throws(() => upsampleBilinear({ width: 1, height: 1, values: [1] }, 0, 4), RangeError);
});
