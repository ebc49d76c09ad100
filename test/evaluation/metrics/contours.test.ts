// Suzuki–Abe border following against cv2.findContours(RETR_TREE, CHAIN_APPROX_SIMPLE), plus a hand-traced ring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundingRect, contourArea, findContours } from '../../../src-main/evaluation/metrics/contours.js';
import { WSOL_FIXTURE, maskFromRows } from './wsolFixture.js';

test('a ring: outer border counter-clockwise from its top-left pixel, then its hole border (a diamond)', () => {
  const mask = maskFromRows(['00000', '01110', '01010', '01110', '00000']);
  const [outer, hole, ...rest] = findContours(mask, 5, 5);
  assert.equal(rest.length, 0);
  // Down the left side first (the first foreground neighbour counter-clockwise from the left), corners only.
  assert.deepEqual([...outer!.points], [1, 1, 1, 3, 3, 3, 3, 1]);
  assert.equal(outer!.isHole, false);
  assert.equal(outer!.parent, -1);
  assert.equal(contourArea(outer!.points), 4); // the 2×2 square through the pixel centres
  assert.deepEqual(boundingRect(outer!.points), [1, 1, 4, 4]);
  // The hole border starts at the pixel left of the hole and visits its four 8-neighbours' ring pixels.
  assert.deepEqual([...hole!.points], [1, 2, 2, 1, 3, 2, 2, 3]);
  assert.equal(hole!.isHole, true);
  assert.equal(hole!.parent, 0);
  assert.equal(contourArea(hole!.points), 2); // diagonals 2 and 2
});

test('siblings come out newest first, as OpenCV inserts each new contour at the head of its parent', () => {
  // Three single pixels found in raster order a (row 0), b (row 2), c (row 4).
  const mask = maskFromRows(['100', '000', '010', '000', '001']);
  const contours = findContours(mask, 3, 5);
  assert.deepEqual(
    contours.map((c) => [...c.points]),
    [
      [2, 4],
      [1, 2],
      [0, 0],
    ],
  );
  assert.deepEqual(
    contours.map((c) => contourArea(c.points)),
    [0, 0, 0],
  );
});

test('an empty mask has no contour; a full one is a single border along the image edge', () => {
  assert.deepEqual(findContours(new Uint8Array(12), 4, 3), []);
  const full = findContours(new Uint8Array(12).fill(1), 4, 3);
  assert.equal(full.length, 1);
  assert.deepEqual([...full[0]!.points], [0, 0, 0, 2, 3, 2, 3, 0]);
});

for (const m of WSOL_FIXTURE.masks) {
  test(`same contours as OpenCV ${WSOL_FIXTURE.opencv}: ${m.name}`, () => {
    const got = findContours(maskFromRows(m.mask), m.width, m.height);
    assert.equal(got.length, m.contours.length);
    got.forEach((c, i) => {
      const ref = m.contours[i]!;
      if (ref.points) assert.deepEqual([...c.points], ref.points, `contour ${i}`);
      assert.equal(contourArea(c.points), ref.area, `area of contour ${i}`);
      assert.deepEqual(boundingRect(c.points), ref.rect, `rect of contour ${i}`);
      assert.equal(c.isHole, ref.isHole, `hole flag of contour ${i}`);
      assert.equal(c.parent, ref.parent, `parent of contour ${i}`);
    });
  });
}
