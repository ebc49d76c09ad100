// The energy-based pointing game (Score-CAM, Wang et al. 2020) on hand-worked maps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { energyPointing } from '../../../src-main/evaluation/metrics/energyPointingGame.js';

const grid = (width: number, height: number, values: number[]) => ({ width, height, values: Float32Array.from(values) });
const close = (actual: number | null, expected: number) =>
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-6, `${actual} ≠ ${expected}`);
// At image size (no upsampling): min-max gives [0, .5; .75, 1], total mass 2.25; max(L, 0) gives [0, 1; 2, 3], total 6.
const MAP = grid(2, 2, [-1, 1, 2, 3]);
const IMAGE2 = { width: 2, height: 2 };

test('share of the min-max map inside the box (the paper), or of the positive part (variant)', () => {
  close(energyPointing(MAP, IMAGE2, [[0, 1, 2, 2]]), 1.75 / 2.25); // bottom row: .75 + 1
  close(energyPointing(MAP, IMAGE2, [[0, 1, 2, 2]], { mass: 'positive' }), 5 / 6); // 2 + 3
  close(energyPointing(MAP, IMAGE2, [[0, 0, 1, 1]]), 0); // the minimum cell holds no mass
  close(energyPointing(MAP, IMAGE2, [[0, 0, 2, 2]]), 1);
  close(energyPointing(MAP, IMAGE2, []), 0);
});

test('several boxes count as their union, clipped to the image', () => {
  // Right column (.5 + 1) ∪ bottom row (.75 + 1) = every cell with mass; counting the shared cell twice would give 3.25 / 2.25.
  close(
    energyPointing(MAP, IMAGE2, [
      [1, 0, 2, 2],
      [0, 1, 2, 2],
    ]),
    1,
  );
  close(energyPointing(MAP, IMAGE2, [[1, -5, 9, 9]]), 1.5 / 2.25);
});

test('the map is upsampled to the image first (bilinear, half-pixel centres)', () => {
  // 2×1 → 4×1: source positions −.25, .25, .75, 1.25 clamp to 0, .25, .75, 1 → values 0, .25, .75, 1 (total 2).
  close(energyPointing(grid(2, 1, [0, 1]), { width: 4, height: 1 }, [[2, 0, 4, 1]]), 1.75 / 2);
  close(energyPointing(grid(2, 1, [0, 1]), { width: 4, height: 1 }, [[0, 0, 1, 1]]), 0);
});

test('a map without mass is undefined (null), not a score', () => {
  assert.equal(energyPointing(grid(2, 2, [4, 4, 4, 4]), IMAGE2, [[0, 0, 1, 1]]), null);
  assert.equal(energyPointing(grid(2, 2, [-1, -2, -3, -4]), IMAGE2, [[0, 0, 1, 1]], { mass: 'positive' }), null);
  // The constant map has positive mass everywhere: the box's share of the area.
  close(energyPointing(grid(2, 2, [4, 4, 4, 4]), IMAGE2, [[0, 0, 1, 1]], { mass: 'positive' }), 0.25);
});
