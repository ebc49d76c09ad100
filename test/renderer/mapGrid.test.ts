// The shared map maths (src-shared/mapGrid.ts) the engine and the views draw with, against PyTorch: F.interpolate
// align_corners False and True (nn.UpsamplingBilinear2d) and the overlay's normalize-then-upsample order, from
// scripts/fixtures/makeInterpolateReference.py; hand cases besides.
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heatmap, minMaxNormalize, upsampleBilinear, valueRange } from '../../src-shared/mapGrid.js';

interface TorchCase {
  width: number;
  height: number;
  outW: number;
  outH: number;
  input: number[];
  expected: number[];
}
const TORCH = JSON.parse(readFileSync('test/postprocess/fixtures/interpolate_reference.json', 'utf8')) as {
  cases: TorchCase[];
  alignCorners: TorchCase[];
  heatmaps: TorchCase[];
};
const grid = (c: TorchCase) => ({ width: c.width, height: c.height, values: Float32Array.from(c.input) });
const what = (c: TorchCase) => `${c.width}×${c.height} → ${c.outW}×${c.outH}`;

test('2×2 → 4×4 by hand (align_corners=False: taps at −0.25→0, 0.25, 0.75, 1.25→edge)', () => {
  const up = upsampleBilinear({ width: 2, height: 2, values: [0, 4, 8, 12] }, 4, 4);
  assert.deepEqual([...up], [0, 1, 3, 4, 2, 3, 5, 6, 6, 7, 9, 10, 8, 9, 11, 12]);
});

test('equal sizes copy, a 1×1 map fills the output', () => {
  const values = [1.5, -2, 3, 0.25, 9, 4];
  assert.deepEqual([...upsampleBilinear({ width: 3, height: 2, values }, 3, 2)], values.map(Math.fround));
  assert.deepEqual([...upsampleBilinear({ width: 1, height: 1, values: [7] }, 3, 2)], [7, 7, 7, 7, 7, 7]);
});

test('bit for bit PyTorch’s F.interpolate(bilinear), align_corners=False and True (nn.UpsamplingBilinear2d)', () => {
  for (const c of TORCH.cases) assert.deepEqual([...upsampleBilinear(grid(c), c.outW, c.outH)], c.expected, what(c));
  for (const c of TORCH.alignCorners) assert.deepEqual([...upsampleBilinear(grid(c), c.outW, c.outH, true)], c.expected, `aligned ${what(c)}`);
});

test('minMaxNormalize: min → 0, max → 1; a constant map is zeros, never NaN; NaN entries are skipped for the range', () => {
  assert.deepEqual([...minMaxNormalize([-2, 0, 2, 6])], [0, 0.25, 0.5, 1]);
  assert.deepEqual([...minMaxNormalize([5, 5, 5])], [0, 0, 0]);
  assert.deepEqual(valueRange([NaN, 3, -1]), { min: -1, max: 3 });
  assert.ok(Number.isNaN(valueRange([NaN]).min));
});

test('heatmap normalizes at layer resolution, then upsamples (the order of the engine’s overlays), as PyTorch does', () => {
  for (const c of TORCH.heatmaps) {
    const ours = heatmap(grid(c), c.outW, c.outH);
    ours.forEach((v, k) => assert.ok(Math.abs(v - c.expected[k]!) <= 1e-6, `${what(c)} [${k}]: ${v} vs ${c.expected[k]}`));
  }
});

test('bad sizes are rejected', () => {
  assert.throws(() => upsampleBilinear({ width: 2, height: 2, values: [1, 2, 3] }, 4, 4), RangeError);
  assert.throws(() => upsampleBilinear({ width: 1, height: 1, values: [1] }, 0, 4), RangeError);
});
