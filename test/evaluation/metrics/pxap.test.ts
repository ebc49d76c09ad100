// PxAP against a numpy/cv2 re-implementation of wsolevaluation's MaskEvaluator (scripts/fixtures/makePxapReference.py,
// developer-run): the pooled histograms, precision/recall and AUC, cv2's nearest-neighbour mask resize, get_mask;
// and hand-worked cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PxapAccumulator, groundTruthMask, resizeNearest } from '../../../src-main/evaluation/metrics/pxap.js';

const ref = JSON.parse(readFileSync(new URL('../../fixtures/pxap/reference.json', import.meta.url), 'utf8')) as {
  datasets: { name: string; scoremaps: number[][]; masks: number[][]; pxap: number; precision: (number | null)[]; recall: number[] }[];
  resizes: { srcWidth: number; srcHeight: number; width: number; height: number; src: number[]; out: number[] }[];
  composed: { instances: number[][]; ignore: number[]; out: number[] }[];
};

for (const d of ref.datasets) {
  test(`PxAP '${d.name}' equals the MaskEvaluator's`, () => {
    const acc = new PxapAccumulator();
    d.scoremaps.forEach((s, k) => acc.add(s, d.masks[k]!));
    const r = acc.result();
    assert.ok(Math.abs(r.pxap! - d.pxap) < 1e-9, `${r.pxap} vs ${d.pxap}`);
    d.recall.forEach((v, k) => assert.ok(Math.abs(r.recall[k]! - v) < 1e-12, `recall ${k}`));
    d.precision.forEach((v, k) =>
      v === null ? assert.ok(Number.isNaN(r.precision[k]!)) : assert.ok(Math.abs(r.precision[k]! - v) < 1e-12, `precision ${k}`),
    );
  });
}

test("masks: cv2's INTER_NEAREST resize and get_mask's union and ignore", () => {
  for (const r of ref.resizes)
    assert.deepEqual(
      Array.from(resizeNearest(r.src, r.srcWidth, r.srcHeight, r.width, r.height)),
      r.out,
      `${r.srcWidth}×${r.srcHeight} → ${r.width}×${r.height}`,
    );
  for (const c of ref.composed)
    assert.deepEqual(
      Array.from(
        groundTruthMask(
          c.instances.map((m) => Uint8Array.from(m)),
          Uint8Array.from(c.ignore),
        ),
      ),
      c.out,
    );
});

test('PxAP by hand: a perfect map 100, ignore pixels count on neither side, no foreground → null', () => {
  const perfect = new PxapAccumulator();
  perfect.add([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0]);
  assert.equal(perfect.result().pxap, 100);
  // Foreground 0.5 and background 0.9: from the top, the first bin holding anything is all FP (precision 0,
  // recall 0), then at 0.5 precision 1/2 with recall 1 → 100 · 0.5 · (1 − 0) = 50; the ignored 0.95 changes nothing.
  const half = new PxapAccumulator();
  half.add([0.5, 0.9, 0.95], [1, 0, 255]);
  assert.equal(half.result().pxap, 50);
  const none = new PxapAccumulator();
  none.add([0.5, 0.9], [0, 0]);
  assert.equal(none.result().pxap, null);
});
