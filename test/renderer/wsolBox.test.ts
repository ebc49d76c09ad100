// The WSOL rule as the views use it: boxing one prepared map at moving thresholds, the pixel cap for large images,
// and the overlay's boxes (hand cases of the rule itself: test/postprocess/wsolBox.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxAtThreshold, boxFromMap, MAX_BOX_PIXELS, prepareBoxableMap, type Box } from '../../src-shared/wsolBox.js';
import { minLabelFlood } from '../postprocess/floodFill.js';
import { uniform } from '../helpers/random.js';

/** A full-resolution map from character rows ('.' = 0, digit = value), boxed as is (same size in and out). */
function art(rows: string[], threshold = 0.2): Box | null {
  const values = Float32Array.from(rows.join(''), (ch) => (ch === '.' ? 0 : Number(ch)));
  const w = rows[0]!.length;
  return boxFromMap({ width: w, height: rows.length, values }, w, rows.length, threshold);
}

test('diagonal neighbours join under 8-connectivity', () => {
  // The 5-pixel diagonal outweighs the 4-pixel block only if its pixels count as one component.
  assert.deepEqual(art(['9......', '.9...99', '..9..99', '...9...', '....9..']), [0, 0, 5, 5]);
});

test('a run touching the row above only at a corner joins it, also leftwards', () => {
  assert.deepEqual(art(['..99.', '99...', '.....', '....9']), [0, 0, 4, 2]);
});

test('U shape: two arms that meet below are one component (merging keeps size and extent)', () => {
  assert.deepEqual(art(['9...9', '9...9', '99999', '.....', '9999.']), [0, 0, 5, 3]);
});

test('threshold is inclusive on the normalized value; nothing passing or a constant map gives null', () => {
  // values 0, 2, 10: normalized 0, 0.2, 1 — the 0.2 pixel stays at threshold 0.2 and joins the 1.
  const values = Float32Array.from([0, 2, 10]);
  assert.deepEqual(boxFromMap({ width: 3, height: 1, values }, 3, 1, 0.2), [1, 0, 3, 1]);
  assert.deepEqual(boxFromMap({ width: 3, height: 1, values }, 3, 1, 0.21), [2, 0, 3, 1]);
  assert.equal(boxFromMap({ width: 2, height: 2, values: [3, 3, 3, 3] }, 40, 40), null);
});

test('boxAtThreshold over one prepared map equals boxing from scratch at every threshold', () => {
  const grid = { width: 7, height: 7, values: uniform(49, 0, 1, 5) };
  const map = prepareBoxableMap(grid, 160, 120)!;
  for (let t = 0.05; t < 1; t += 0.1) assert.deepEqual(boxAtThreshold(map, t), boxFromMap(grid, 160, 120, t));
});

test('largest component against a brute-force flood fill on noisy masks', () => {
  for (let k = 0; k < 30; k++) {
    const w = 23,
      h = 17;
    const values = uniform(w * h, 0, 1, 300 + k);
    const mask = Uint8Array.from(values, (v) => (v >= 0.55 ? 1 : 0));
    const labels = minLabelFlood(mask, w, h);
    const sizes = new Map<number, number>();
    labels.forEach((l) => l && sizes.set(l, (sizes.get(l) ?? 0) + 1));
    const best = [...sizes].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
    let box: Box = [w, h, 0, 0];
    labels.forEach((l, i) => {
      if (l !== best) return;
      const x = i % w,
        y = Math.floor(i / w);
      box = [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x + 1), Math.max(box[3], y + 1)];
    });
    // Box the mask itself (values 0/1, range 1): every pixel ≥ 0.5 is exactly the mask.
    const map = { width: w, height: h, values: Float32Array.from(mask), min: 0, range: 1, scaleX: 1, scaleY: 1 };
    assert.deepEqual(boxAtThreshold(map, 0.5), box, `case ${k}`);
  }
});

test('images over MAX_BOX_PIXELS are boxed on a smaller grid and the box is scaled back', () => {
  const grid = { width: 2, height: 1, values: [0, 1] };
  const W = 4000,
    H = 3000;
  assert.ok(W * H > MAX_BOX_PIXELS);
  const map = prepareBoxableMap(grid, W, H)!;
  assert.ok(map.width * map.height <= MAX_BOX_PIXELS * 1.01);
  const box = boxAtThreshold(map, 0.2)!;
  assert.equal(box[1], 0);
  assert.equal(box[3], H);
  assert.equal(box[2], W);
  // The exact box at full size starts where the upsampled ramp reaches 20 %; the scaled one is within a grid step.
  const exact = boxFromMap({ width: 2, height: 1, values: [0, 1] }, W, 1)!; // uncapped: every pixel
  assert.ok(Math.abs(box[0] - exact[0]) <= Math.ceil(W / map.width), `${box[0]} vs ${exact[0]}`);
});

test('overlayBoxes: ground truth first, the prediction drawn last (on top), none when there is no box', async () => {
  const { overlayBoxes } = await import('../../src-renderer/lib/overlayBoxes.js');
  assert.deepEqual(overlayBoxes([[0, 0, 2, 2]], [1, 1, 3, 3]), [
    { box: [0, 0, 2, 2], kind: 'gt' },
    { box: [1, 1, 3, 3], kind: 'pred' },
  ]);
  assert.deepEqual(overlayBoxes([], null), []);
});
