// Average Drop, Deletion/Insertion and ADCC with a hand-computable scorer: score = mean of the input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averageDrop, maskInput } from '../../../src-main/evaluation/metrics/averageDrop.js';
import { blurInput, deletionInsertion, riseBlurKernel, saliencyOrder } from '../../../src-main/evaluation/metrics/deletionInsertion.js';
import { adcc, adccOf } from '../../../src-main/evaluation/metrics/adcc.js';
import type { ExplainFn, FaithfulnessSample, ScoreFn } from '../../../src-main/evaluation/metrics/perturbation.js';

const SHAPE = { channels: 1, width: 2, height: 2 };
const PER = 4;
const close = (a: number | null, b: number, what = '') => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${what}: ${a} vs ${b}`);

/** score = mean of each row; records the batch sizes it was called with. */
function meanScorer(calls: number[] = []): ScoreFn {
  return async (inputs, classIndex) => {
    calls.push(classIndex.length);
    return classIndex.map((_, k) => inputs.subarray(k * PER, (k + 1) * PER).reduce((a, b) => a + b, 0) / PER);
  };
}

// Maps at input resolution, so the mask is just min-max: [0, 1, 2, 4] → [0, 0.25, 0.5, 1].
const A: FaithfulnessSample = { input: Float32Array.from([1, 2, 3, 4]), map: { width: 2, height: 2, values: [0, 1, 2, 4] }, classIndex: 0 };
const B: FaithfulnessSample = { input: Float32Array.from([-1, -1, 2, 2]), map: { width: 2, height: 2, values: [0, 0, 4, 4] }, classIndex: 1 };

test('Average Drop and Increase in Confidence by hand', async () => {
  // A: Y = 2.5, x ⊙ M = (0, 0.5, 1.5, 4) → O = 1.5, drop (2.5 − 1.5)/2.5 = 0.4.
  // B: Y = 0.5, x ⊙ M = (0, 0, 2, 2) → O = 1 > Y: drop 0, an increase.
  const calls: number[] = [];
  const r = await averageDrop([A, B], meanScorer(calls), SHAPE, { batchSize: 3 });
  assert.deepEqual(r.perImage, [
    { original: 2.5, masked: 1.5 },
    { original: 0.5, masked: 1 },
  ]);
  close(r.averageDrop, 20, 'AD');
  assert.equal(r.increaseInConfidence, 50);
  assert.deepEqual(calls, [3, 1]); // 4 rows (2 originals, 2 masked) in batches of 3
  const one = await averageDrop([A, B], meanScorer(), SHAPE, { batchSize: 1 });
  assert.deepEqual(one, r);
  assert.deepEqual(await averageDrop([], meanScorer(), SHAPE), { images: 0, averageDrop: null, increaseInConfidence: null, perImage: [] });
});

test("the 'rgb' variant multiplies 0..1 pixels before normalization", () => {
  // mean 0.5, std 0.25: rgb = x/4 + 0.5 = (0.75, 1, 1.25, 1.5); ⊙ M = (0, 0.25, 0.625, 1.5); (v − 0.5)/0.25 = (−2, −1, 0.5, 4).
  const out = new Float32Array(4);
  maskInput(A.input, Float32Array.from([0, 0.25, 0.5, 1]), SHAPE, out, { space: 'rgb', normalization: { mean: [0.5], std: [0.25] } });
  assert.deepEqual([...out], [-2, -1, 0.5, 4]);
  assert.throws(() => maskInput(A.input, new Float32Array(4), SHAPE, out, { space: 'rgb' }), /normalization/);
});

test('Deletion and Insertion curves and AUCs by hand, one pixel per step', async () => {
  // Order by saliency: pixels 3, 2, 1, 0. Deletion to zeros: means 2.5, 1.5, 0.75, 0.25, 0;
  // AUC = 0.25 · (4 + 2.25 + 1 + 0.25)/2 = 0.9375. Insertion from zeros: 0, 1, 1.75, 2.25, 2.5;
  // AUC = 0.25 · (1 + 2.75 + 4 + 4.75)/2 = 1.5625.
  const r = await deletionInsertion([A], meanScorer(), SHAPE, { pixelsPerStep: 1, insertionBaseline: 'zeros', batchSize: 4 });
  assert.deepEqual([...r.deletion[0]!.fractions], [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual([...r.deletion[0]!.scores], [2.5, 1.5, 0.75, 0.25, 0]);
  assert.deepEqual([...r.insertion[0]!.scores], [0, 1, 1.75, 2.25, 2.5]);
  close(r.deletionAuc, 0.9375, 'deletion');
  close(r.insertionAuc, 1.5625, 'insertion');
});

test('a step that does not divide H·W: the last step is shorter and the x axis follows it', async () => {
  // 3 pixels then 1: deletion means 2.5, 0.25, 0 at fractions 0, 0.75, 1:
  // AUC = 0.75 · 2.75/2 + 0.25 · 0.25/2 = 1.0625.
  const r = await deletionInsertion([A, A], meanScorer(), SHAPE, { pixelsPerStep: 3 });
  assert.deepEqual([...r.deletion[1]!.fractions], [0, 0.75, 1]);
  assert.deepEqual([...r.deletion[1]!.scores], [2.5, 0.25, 0]);
  close(r.deletionAuc, 1.0625, 'deletion');
  assert.equal(r.images, 2);
});

test('saliency order: decreasing, ties by increasing pixel index', () => {
  assert.deepEqual([...saliencyOrder(Float32Array.from([0.5, 1, 0.5, 1]))], [1, 3, 0, 2]);
});

test("RISE's blur kernel: 11×11, symmetric, peaked at the centre, mass 1 (reflect folding keeps it)", () => {
  const k = riseBlurKernel();
  assert.equal(k.length, 121);
  close(
    k.reduce((a, b) => a + b, 0),
    1,
    'sum',
  );
  for (let y = 0; y < 11; y++) for (let x = 0; x < 11; x++) assert.equal(k[y * 11 + x], k[x * 11 + y]);
  for (let x = 0; x < 5; x++) assert.ok(k[5 * 11 + x]! < k[5 * 11 + x + 1]!);
  // σ = 5 over 11 taps is flat-ish: the edge tap still has more than half the centre's weight.
  assert.ok(k[5 * 11]! / k[5 * 11 + 5]! > 0.5);
  // Zero padding darkens the border of a constant image, the centre of a 12×12 one stays put.
  const flat = blurInput(new Float32Array(144).fill(1), { channels: 1, width: 12, height: 12 });
  assert.ok(Math.abs(flat[5 * 12 + 5]! - 1) < 1e-6); // the 11×11 window at (5, 5) lies inside rows/columns 0..10
  assert.ok(flat[0]! < 0.5); // only the 6×6 quarter of the window is inside at a corner
});

test('ADCC by hand: coherency from the map of x ⊙ M, complexity = mean of M, AD as a fraction', async () => {
  // The "explainer" returns its input as the map: map(x ⊙ M) = (0, 0.5, 1.5, 4) → normalized (0, 1/8, 3/8, 1).
  const echo: ExplainFn = async (inputs, classIndex) =>
    classIndex.map((_, k) => ({ width: 2, height: 2, values: inputs.slice(k * PER, (k + 1) * PER) }));
  // Pearson of (0, .25, .5, 1) and (0, .125, .375, 1): 0.5625 / √(0.546875 · 0.59375).
  const r = 0.5625 / Math.sqrt(0.546875 * 0.59375);
  const coherency = (r + 1) / 2;
  const complexity = 1.75 / 4;
  const expected = 3 / (1 / coherency + 1 / (1 - complexity) + 1 / (1 - 0.4));
  const out = await adcc([A], meanScorer(), echo, SHAPE);
  close(out.perImage[0]!.coherency, coherency, 'coherency');
  close(out.perImage[0]!.complexity, complexity, 'complexity');
  close(out.perImage[0]!.averageDrop, 0.4, 'AD');
  close(out.adcc, 100 * expected, 'ADCC');
  assert.equal(adccOf(coherency, complexity, 0.4), expected);
});

test('ADCC: a constant map of x ⊙ M gives coherency 0 and ADCC 0; of-means aggregates the means', async () => {
  const flat: ExplainFn = async (_, classIndex) => classIndex.map(() => ({ width: 2, height: 2, values: [1, 1, 1, 1] }));
  const out = await adcc([A], meanScorer(), flat, SHAPE);
  assert.equal(out.perImage[0]!.coherency, 0);
  assert.equal(out.adcc, 0);

  const echo: ExplainFn = async (inputs, classIndex) =>
    classIndex.map((_, k) => ({ width: 2, height: 2, values: inputs.slice(k * PER, (k + 1) * PER) }));
  const perImage = await adcc([A, B], meanScorer(), echo, SHAPE, { batchSize: 1 });
  const ofMeans = await adcc([A, B], meanScorer(), echo, SHAPE, {
    aggregation: 'of-means',
    averageDrop: await averageDrop([A, B], meanScorer(), SHAPE),
  });
  const [a, b] = perImage.perImage;
  close(perImage.adcc, (100 * (a!.adcc + b!.adcc)) / 2, 'per-image');
  close(
    ofMeans.adcc,
    100 * adccOf((a!.coherency + b!.coherency) / 2, (a!.complexity + b!.complexity) / 2, (a!.averageDrop + b!.averageDrop) / 2),
    'of-means',
  );
});
