// The conv-gap head's hand-written backward (convGapGraph.ts) against PyTorch autograd (fixture from
// scripts/fixtures/makeConvGapReference.py) and against central finite differences of its own loss; its training
// (convGapFit.ts) on a synthetic case that a GAP → linear head cannot separate but a 3×3 conv + ReLU can, also
// with the channels compressed (channelProjection.ts, folded back exactly); the non-negative CAM weights' gauge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { convGapGraph } from '../../src-main/camify/convGapGraph.js';
import { fitConvGapHead, nonNegativeWeights } from '../../src-main/camify/convGapFit.js';
import { leadingEigenvectors } from '../../src-main/camify/channelProjection.js';
import { fitSoftmaxRegression } from '../../src-main/camify/softmaxRegression.js';
import { rng } from '../../src-shared/random.js';

interface Case {
  name: string;
  n: number;
  channels: number;
  height: number;
  width: number;
  filters: number;
  classes: number;
  a: number[];
  wc: number[];
  bc: number[];
  wf: number[];
  bf: number[];
  p: number[];
  rowLoss: number[];
  prediction: number[];
  gradWc: number[];
  gradBc: number[];
  gradWf: number[];
  gradBf: number[];
}

const { cases } = JSON.parse(readFileSync(new URL('../fixtures/camify/convGap.json', import.meta.url), 'utf8')) as { cases: Case[] };
const PARAMETERS = [
  ['wc', 'gradWc', 'grad_wc'],
  ['bc', 'gradBc', 'grad_bc'],
  ['wf', 'gradWf', 'grad_wf'],
  ['bf', 'gradBf', 'grad_bf'],
] as const;

function feeds(c: Case, override: Partial<Record<'wc' | 'bc' | 'wf' | 'bf', number[]>> = {}): Record<string, ort.Tensor> {
  const t = (v: number[], dims: number[]) => new ort.Tensor('float32', Float32Array.from(v), dims);
  const { n, channels: ch, height: h, width: w, filters: f, classes: k } = c;
  return {
    a: t(c.a, [n, ch, h, w]),
    p: t(c.p, [n, k]),
    wc: t(override.wc ?? c.wc, [f, ch, 3, 3]),
    bc: t(override.bc ?? c.bc, [f]),
    wf: t(override.wf ?? c.wf, [k, f]),
    bf: t(override.bf ?? c.bf, [k]),
  };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
  assert.ok(worst <= tol, `${what}: max relative difference ${worst}`);
}

for (const c of cases) {
  test(`conv-gap loss and parameter gradients equal PyTorch autograd (${c.name} targets, 1e-4)`, async () => {
    const gradient = await ort.InferenceSession.create(convGapGraph('gradient', c.classes, c.height * c.width));
    const evaluate = await ort.InferenceSession.create(convGapGraph('evaluate', c.classes, c.height * c.width));
    const out = await gradient.run(feeds(c));
    assertClose(out.row_loss!.data as Float32Array, c.rowLoss, 1e-4, 'row loss');
    for (const [, key, output] of PARAMETERS) assertClose(out[output]!.data as Float32Array, c[key], 1e-4, output);
    const ev = await evaluate.run(feeds(c));
    assertClose(ev.row_loss!.data as Float32Array, c.rowLoss, 1e-4, 'evaluate row loss');
    assert.deepEqual(Array.from(ev.prediction!.data as Float32Array), c.prediction);
  });
}

for (const dilation of [1, 2]) {
  test(`conv-gap parameter gradients equal central finite differences of the summed loss (dilation ${dilation})`, async () => {
    const c = cases[0]!;
    const gradient = await ort.InferenceSession.create(convGapGraph('gradient', c.classes, c.height * c.width, dilation));
    const evaluate = await ort.InferenceSession.create(convGapGraph('evaluate', c.classes, c.height * c.width, dilation));
    const analytic = await gradient.run(feeds(c));
    const loss = async (name: 'wc' | 'bc' | 'wf' | 'bf', i: number, delta: number) => {
      const v = c[name].slice();
      v[i]! += delta;
      const out = await evaluate.run(feeds(c, { [name]: v }));
      return (out.row_loss!.data as Float32Array).reduce((s, x) => s + x, 0);
    };
    // Small enough that no ReLU kink is crossed at these weights (at 1e-2 one is, with dilation 2).
    const eps = 1e-3;
    const random = rng(7);
    for (const [name, , output] of PARAMETERS) {
      const g = analytic[output]!.data as Float32Array;
      for (let trial = 0; trial < 12; trial++) {
        const i = Math.floor(random() * g.length);
        const numeric = ((await loss(name, i, eps)) - (await loss(name, i, -eps))) / (2 * eps);
        // float32 losses: the difference quotient carries ~1e-6/eps of rounding, and O(eps²) of curvature.
        assert.ok(Math.abs(numeric - g[i]!) <= 2e-3 + 1e-2 * Math.abs(g[i]!), `${output}[${i}]: numeric ${numeric}, analytic ${g[i]}`);
      }
    }
  });
}

/**
 * One-channel 8×8 maps holding a 3-pixel bar at a random place: horizontal for class 0, vertical for class 1.
 * Every map has the same mean, so GAP → linear sees nothing; a 3×3 bar detector + ReLU separates them exactly.
 */
function bars(n: number, seed: number): { maps: Float32Array; targets: Float32Array; labels: Int32Array; pooled: Float32Array; n: number } {
  const side = 8;
  const random = rng(seed);
  const maps = new Float32Array(n * side * side);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
  for (let i = 0; i < n; i++) {
    const y = 1 + Math.floor(random() * (side - 2));
    const x = 1 + Math.floor(random() * (side - 2));
    for (let d = -1; d <= 1; d++) maps[i * side * side + (labels[i] === 0 ? y * side + x + d : (y + d) * side + x)] = 1;
  }
  const targets = Float32Array.from({ length: n * 2 }, (_, j) => (labels[j >> 1] === (j & 1) ? 1 : 0));
  return { maps, targets, labels, pooled: new Float32Array(n).fill(3 / (side * side)), n };
}

test('conv-gap training separates bars a GAP → linear head cannot (≥ 95 % on held-out maps; linear at chance)', async () => {
  const train = bars(160, 1);
  const val = bars(40, 2);
  const fit = await fitConvGapHead(train, val, { classes: 2, channels: 1, height: 8, width: 8, filters: 8, l2: 1e-4, seed: 3, learningRate: 1e-2 });
  const agreement = fit.valPredictions.filter((p, i) => p === val.labels[i]).length / val.n;
  assert.ok(agreement >= 0.95, `conv-gap agreement ${agreement}`);
  const linear = await fitSoftmaxRegression(
    { x: train.pooled, labels: train.labels, n: train.n },
    { x: val.pooled, labels: val.labels, n: val.n },
    { classes: 2, features: 1, l2: 1e-2 },
  );
  const linearAgreement = linear.valPredictions.filter((p, i) => p === val.labels[i]).length / val.n;
  assert.ok(linearAgreement <= 0.6, `linear agreement ${linearAgreement}`);
  // The returned head is on raw maps (the fit scaled them in place; its scaling is folded into Wc).
  const raw = bars(40, 2);
  const h = fit.head;
  const t = (v: Float32Array, dims: number[]) => new ort.Tensor('float32', v, dims);
  const evaluate = await ort.InferenceSession.create(convGapGraph('evaluate', 2, 64));
  const out = await evaluate.run({
    a: t(raw.maps, [40, 1, 8, 8]),
    p: t(raw.targets, [40, 2]),
    wc: t(h.convWeights, [8, 1, 3, 3]),
    bc: t(h.convBias, [8]),
    wf: t(h.weights, [2, 8]),
    bf: t(h.bias, [2]),
  });
  assert.deepEqual(Int32Array.from(out.prediction!.data as Float32Array), fit.valPredictions);
});

test('leadingEigenvectors: the top-k eigenvectors of a symmetric matrix, largest first, and the trace share they hold', () => {
  // Q·diag(1, 4, 2, 9)·Qᵀ for a rotation Q in the (0, 3) plane: the leading pair is Q's columns 3 and 1.
  const [c, s] = [Math.cos(0.3), Math.sin(0.3)];
  const q = [
    [c, 0, 0, -s],
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [s, 0, 0, c],
  ];
  const d = [1, 4, 2, 9];
  const m = new Float64Array(16);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) for (let k = 0; k < 4; k++) m[i * 4 + j]! += q[i]![k]! * d[k]! * q[j]![k]!;
  const { vectors, kept } = leadingEigenvectors(m, 4, 2, 1);
  const expected = [
    [-s, 0, 0, c],
    [0, 1, 0, 0],
  ];
  for (let i = 0; i < 2; i++) {
    const v = Array.from(vectors.subarray(i * 4, (i + 1) * 4));
    const dot = v.reduce((acc, x, t) => acc + x * expected[i]![t]!, 0);
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-9, `vector ${i}: ${v}`);
  }
  assert.ok(Math.abs(kept - 13 / 16) < 1e-9, `kept ${kept}`);
});

test('with the channels compressed (projectedChannels) the returned head reads the raw maps: same predictions as the fit', async () => {
  // Six channels, each a positive multiple of the bar map plus sparse noise: two directions carry the bars.
  const mix = (d: ReturnType<typeof bars>, seed: number) => {
    const random = rng(seed);
    const plane = 64;
    const maps = new Float32Array(d.n * 6 * plane);
    for (let r = 0; r < d.n; r++)
      for (let ch = 0; ch < 6; ch++)
        for (let p = 0; p < plane; p++) maps[(r * 6 + ch) * plane + p] = (0.5 + ch / 4) * d.maps[r * plane + p]! + (random() < 0.05 ? random() : 0);
    return { ...d, maps };
  };
  const train = mix(bars(160, 1), 11);
  const val = mix(bars(40, 2), 12);
  const rawVal = Float32Array.from(val.maps);
  const fit = await fitConvGapHead(train, val, {
    classes: 2,
    channels: 6,
    height: 8,
    width: 8,
    filters: 8,
    l2: 1e-4,
    seed: 3,
    projectedChannels: 2,
    maxEpochs: 24,
  });
  const agreement = fit.valPredictions.filter((p, i) => p === val.labels[i]).length / val.n;
  assert.ok(agreement >= 0.95, `agreement ${agreement}`);
  const h = fit.head;
  assert.equal(h.convWeights.length, 8 * 6 * 9);
  assert.ok(
    h.weights.every((w) => w >= 0),
    'CAM weights ≥ 0',
  );
  const t = (v: Float32Array, dims: number[]) => new ort.Tensor('float32', v, dims);
  const evaluate = await ort.InferenceSession.create(convGapGraph('evaluate', 2, 64));
  const out = await evaluate.run({
    a: t(rawVal, [40, 6, 8, 8]),
    p: t(val.targets, [40, 2]),
    wc: t(h.convWeights, [8, 6, 3, 3]),
    bc: t(h.convBias, [8]),
    wf: t(h.weights, [2, 8]),
    bf: t(h.bias, [2]),
  });
  assert.deepEqual(Int32Array.from(out.prediction!.data as Float32Array), fit.valPredictions);
});

test('nonNegativeWeights: every filter’s minimum over the classes becomes 0, the loss and prediction of each row stay', async () => {
  const c = cases[0]!;
  const shifted = Float32Array.from(c.wf);
  nonNegativeWeights(shifted, c.classes, c.filters);
  for (let f = 0; f < c.filters; f++) {
    const column = Array.from({ length: c.classes }, (_, k) => shifted[k * c.filters + f]!);
    assert.equal(Math.min(...column), 0);
    for (let k = 0; k < c.classes; k++)
      assert.ok(
        Math.abs(column[k]! - (c.wf[k * c.filters + f]! - Math.min(...Array.from({ length: c.classes }, (_, j) => c.wf[j * c.filters + f]!)))) < 1e-6,
      );
  }
  const evaluate = await ort.InferenceSession.create(convGapGraph('evaluate', c.classes, c.height * c.width));
  const before = await evaluate.run(feeds(c));
  const after = await evaluate.run(feeds(c, { wf: Array.from(shifted) }));
  assertClose(after.row_loss!.data as Float32Array, before.row_loss!.data as Float32Array, 1e-5, 'row loss');
  assert.deepEqual(Array.from(after.prediction!.data as Float32Array), Array.from(before.prediction!.data as Float32Array));
});
