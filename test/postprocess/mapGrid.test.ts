// minMaxNormalize and upsampleBilinear against hand-worked PyTorch F.interpolate(bilinear, align_corners=False) results.
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minMaxNormalize, upsampleBilinear, type MapGrid } from '../../src-main/explain/postprocess/mapGrid.js';
import { CamscopeError } from '../../src-main/errors.js';
import { rng, uniform } from '../helpers/random.js';

const grid = (width: number, height: number, values: number[]): MapGrid => ({ width, height, values: Float32Array.from(values) });

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

test('minMaxNormalize maps min to 0 and max to 1, signed values included', () => {
  assert.deepEqual([...minMaxNormalize(grid(2, 2, [-2, 0, 2, 6])).values], [0, 0.25, 0.5, 1]);
});

test('minMaxNormalize of a constant map is all zeros, never NaN', () => {
  assert.deepEqual([...minMaxNormalize(grid(3, 1, [7, 7, 7])).values], [0, 0, 0]);
});

test('upsampleBilinear 2×2 → 4×4', () => {
  // in = 2, out = 4: src = (dst + 0.5)·0.5 − 0.5 → −0.25 (clamped to 0), 0.25, 0.75, 1.25.
  // Weights on (v0, v1): (1, 0), (0.75, 0.25), (0.25, 0.75), and at 1.25 both taps are v1 (edge) → v1.
  // Rows along x: [0, 4] → [0, 1, 3, 4]; [8, 12] → [8, 9, 11, 12]; the same weights blend the rows along y.
  const up = upsampleBilinear(grid(2, 2, [0, 4, 8, 12]), 4, 4);
  assert.equal(up.width, 4);
  assert.equal(up.height, 4);
  assertClose(up.values, [0, 1, 3, 4, 2, 3, 5, 6, 6, 7, 9, 10, 8, 9, 11, 12]);
});

test('upsampleBilinear 2×2 → 3 wide × 5 high', () => {
  // x: in 2, out 3, scale 2/3: src = −1/6 → 0, 0.5, 7/6 (edge) → [v0, (v0 + v1)/2, v1].
  // y: in 2, out 5, scale 0.4: src = −0.3 → 0, 0.1, 0.5, 0.9, 1.3 (edge)
  //    → v0, 0.9·v0 + 0.1·v1, 0.5·v0 + 0.5·v1, 0.1·v0 + 0.9·v1, v1.
  // Rows along x: [0, 10] → [0, 5, 10]; [20, 40] → [20, 30, 40].
  const up = upsampleBilinear(grid(2, 2, [0, 10, 20, 40]), 3, 5);
  assertClose(up.values, [0, 5, 10, 2, 7.5, 13, 10, 17.5, 25, 18, 27.5, 37, 20, 30, 40]);
});

test('upsampleBilinear with matching size is the identity', () => {
  const values = uniform(7 * 5, -3, 3, 11);
  assert.deepEqual([...upsampleBilinear({ width: 7, height: 5, values }, 7, 5).values], [...values]);
});

test('upsampleBilinear keeps a constant map constant up to float32 rounding, up and down', () => {
  // Like PyTorch: the four float32 weights need not sum to exactly 1, so c may come back an ulp off.
  const c = grid(3, 2, Array(6).fill(0.3));
  for (const [w, h] of [
    [17, 9],
    [2, 1],
    [1, 5],
  ] as const) {
    for (const v of upsampleBilinear(c, w, h).values) assert.ok(Math.abs(v - 0.3) <= 6e-8, `${v}`);
  }
  // Zero stays exactly zero, which is what keeps an all-zero CAM an all-zero (box-less) map.
  assert.ok(upsampleBilinear(grid(3, 2, Array(6).fill(0)), 17, 9).values.every((v) => v === 0));
});

/** Straight from the formula, per pixel in float64: an independent check on the separable version. */
function naiveBilinear(map: MapGrid, outW: number, outH: number): number[] {
  const tap = (dst: number, inSize: number, outSize: number): [number, number, number] => {
    const src = Math.max(0, ((dst + 0.5) * inSize) / outSize - 0.5);
    const i = Math.min(Math.floor(src), inSize - 1);
    return [i, Math.min(i + 1, inSize - 1), src - i];
  };
  const out: number[] = [];
  for (let y = 0; y < outH; y++) {
    const [ya, yb, ly] = tap(y, map.height, outH);
    for (let x = 0; x < outW; x++) {
      const [xa, xb, lx] = tap(x, map.width, outW);
      const v = (r: number, c: number): number => map.values[r * map.width + c]!;
      out.push((1 - ly) * ((1 - lx) * v(ya, xa) + lx * v(ya, xb)) + ly * ((1 - lx) * v(yb, xa) + lx * v(yb, xb)));
    }
  }
  return out;
}

test('upsampleBilinear matches the per-pixel formula on random sizes (non-square, up and down)', () => {
  const r = rng(5);
  for (let trial = 0; trial < 40; trial++) {
    const [w, h, ow, oh] = [1, 1, 1, 1].map(() => 1 + Math.floor(r() * 12));
    const map = { width: w!, height: h!, values: uniform(w! * h!, -1, 1, 100 + trial) };
    assertClose(upsampleBilinear(map, ow!, oh!).values, naiveBilinear(map, ow!, oh!), 1e-5);
  }
});

interface TorchCase {
  width: number;
  height: number;
  outW: number;
  outH: number;
  input: number[];
  expected: number[];
}

test('upsampleBilinear is bit-identical to torch F.interpolate on the reference cases', () => {
  // Made by fixtures/make_interpolate_reference.py; every float32 is written exactly.
  const ref = JSON.parse(readFileSync(new URL('./fixtures/interpolate_reference.json', import.meta.url), 'utf8')) as { cases: TorchCase[] };
  for (const c of ref.cases) {
    const up = upsampleBilinear({ width: c.width, height: c.height, values: Float32Array.from(c.input) }, c.outW, c.outH);
    assert.deepEqual([...up.values], c.expected, `${c.width}×${c.height} → ${c.outW}×${c.outH}`);
  }
});

test('a malformed map or target size is a CamscopeError', () => {
  assert.throws(() => upsampleBilinear(grid(2, 2, [1, 2, 3]), 4, 4), CamscopeError);
  assert.throws(() => upsampleBilinear(grid(2, 2, [1, 2, 3, 4]), 0, 4), CamscopeError);
  assert.throws(() => minMaxNormalize(grid(0, 1, [])), CamscopeError);
});
