// The softmax-regression fit: stationarity checked by an independent double-precision gradient, and recovery
// of a known linear head from features it labels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitSoftmaxRegression, type LabelledFeatures, type SoftmaxHead } from '../../src-main/camify/softmaxRegression.js';
import { rng } from '../helpers/random.js';

/** Seeded standard normal values (Box–Muller). */
function gaussian(n: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
}

/** Features with very different scales and offsets per channel, labelled by argmax(W*·x + b*). */
function linearlyLabelled(n: number, k: number, truth: SoftmaxHead, seed: number): LabelledFeatures {
  const c = truth.bias.length;
  const g = gaussian(n * k, seed);
  const x = new Float32Array(n * k);
  for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) x[r * k + j] = offset(j) + g[r * k + j]! * 10 ** ((j % 5) - 2);
  return { x, labels: predict(truth, x, n, k, c), n };
}

function predict(h: SoftmaxHead, x: Float32Array, n: number, k: number, c: number): Int32Array {
  return Int32Array.from({ length: n }, (_, r) => {
    let best = 0;
    let bestZ = -Infinity;
    for (let cl = 0; cl < c; cl++) {
      let z = h.bias[cl]!;
      for (let j = 0; j < k; j++) z += h.weights[cl * k + j]! * x[r * k + j]!;
      if (z > bestZ) {
        bestZ = z;
        best = cl;
      }
    }
    return best;
  });
}

const offset = (j: number) => 3 * (j % 4);

/**
 * A head for raw features: weights scaled by 1/σ_j so every channel matters despite its scale, and the bias
 * cancels the offsets so that all classes are frequent (a rare class's row is poorly determined by any fit).
 */
function randomHead(c: number, k: number, seed: number): SoftmaxHead {
  const g = gaussian(c * k + c, seed);
  const weights = Float32Array.from({ length: c * k }, (_, i) => g[i]! / 10 ** (((i % k) % 5) - 2));
  const bias = Float32Array.from({ length: c }, (_, cl) => {
    let b = g[c * k + cl]!;
    for (let j = 0; j < k; j++) b -= weights[cl * k + j]! * offset(j);
    return b;
  });
  return { weights, bias };
}

/** Rows minus their mean over classes (softmax is invariant to adding one vector to every row). */
function centredRows(w: Float32Array, c: number, k: number): Float64Array[] {
  const mean = new Float64Array(k);
  for (let i = 0; i < c * k; i++) mean[i % k]! += w[i]! / c;
  return Array.from({ length: c }, (_, cl) => Float64Array.from({ length: k }, (_, j) => w[cl * k + j]! - mean[j]!));
}

function cosine(a: Float64Array, b: Float64Array): number {
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! ** 2;
    bb += b[i]! ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

test('the fit is a stationary point of mean cross-entropy + λ/2·‖W̃‖² (gradient recomputed in float64)', async () => {
  const n = 300,
    k = 5,
    c = 3,
    l2 = 0.05;
  const r = rng(7);
  const raw = Float32Array.from({ length: n * k }, (_, i) => (i % k) * 2 + r() * (1 + (i % k)));
  const labels = Int32Array.from({ length: n }, () => Math.floor(r() * c)); // random labels: not separable
  // A small chunk size forces several ONNX Runtime runs per evaluation.
  const fit = await fitSoftmaxRegression({ x: raw.slice(), labels, n }, null, { classes: c, features: k, l2, chunkElements: 64 * 5 });
  // Standardized space, independently: x̃ = (x − μ)/σ, W̃ = W·σ, b̃ = b + W·μ.
  const mu = Array.from({ length: k }, (_, j) => Array.from({ length: n }, (_, i) => raw[i * k + j]!).reduce((a, b) => a + b) / n);
  const sd = mu.map((m, j) => Math.sqrt(Array.from({ length: n }, (_, i) => (raw[i * k + j]! - m) ** 2).reduce((a, b) => a + b) / n));
  const wT = Array.from({ length: c * k }, (_, i) => fit.head.weights[i]! * sd[i % k]!);
  const bT = Array.from({ length: c }, (_, cl) => fit.head.bias[cl]! + mu.reduce((s, m, j) => s + fit.head.weights[cl * k + j]! * m, 0));
  const gW = wT.map((w) => l2 * w);
  const gB = new Array<number>(c).fill(0);
  for (let i = 0; i < n; i++) {
    const xt = mu.map((m, j) => (raw[i * k + j]! - m) / sd[j]!);
    const z = bT.map((b, cl) => b + xt.reduce((s, v, j) => s + wT[cl * k + j]! * v, 0));
    const zmax = Math.max(...z);
    const e = z.map((v) => Math.exp(v - zmax));
    const sum = e.reduce((a, b) => a + b);
    for (let cl = 0; cl < c; cl++) {
      const d = e[cl]! / sum - (labels[i] === cl ? 1 : 0);
      gB[cl]! += d / n;
      for (let j = 0; j < k; j++) gW[cl * k + j]! += (d * xt[j]!) / n;
    }
  }
  const gmax = Math.max(...gW.map(Math.abs), ...gB.map(Math.abs));
  assert.ok(gmax < 1e-4, `max |gradient| ${gmax} at the returned head (stopped by ${fit.stoppedBy})`);
  assert.ok(Math.max(...wT.map(Math.abs)) > 1e-3, 'the head is not trivially zero');
});

test('recovers a known linear head: ≥ 99 % agreement on held-out features, centred rows cosine ≥ 0.99', async () => {
  // Held-out agreement of a logistic fit to separable labels grows with N per parameter: 8 000 rows for 68.
  const k = 16,
    c = 4;
  const truth = randomHead(c, k, 11);
  const train = linearlyLabelled(8000, k, truth, 12);
  const val = linearlyLabelled(1000, k, truth, 13);
  const test_ = linearlyLabelled(2000, k, truth, 14);
  const fit = await fitSoftmaxRegression(train, val, { classes: c, features: k, l2: 1e-5 });
  const predicted = predict(fit.head, test_.x, test_.n, k, c);
  const agreement = predicted.filter((p, i) => p === test_.labels[i]).length / test_.n;
  const valAgreement = fit.valPredictions.filter((p, i) => p === val.labels[i]).length / val.n;
  const cos = centredRows(fit.head.weights, c, k).map((row, cl) => cosine(row, centredRows(truth.weights, c, k)[cl]!));
  console.log(
    `agreement ${(agreement * 100).toFixed(2)} % (validation ${(valAgreement * 100).toFixed(2)} %), cosines ${cos.map((v) => v.toFixed(4)).join(' ')}, ${fit.iterations} iterations, ${fit.stoppedBy}`,
  );
  assert.ok(agreement >= 0.99, `agreement ${agreement}`);
  assert.ok(Math.abs(valAgreement - agreement) < 0.02, 'validation predictions are the returned head’s');
  assert.ok(Math.min(...cos) >= 0.99, `cosines ${cos}`);
});

test('the same data and options give the same head bit for bit', async () => {
  const k = 8,
    c = 4;
  const truth = randomHead(c, k, 21);
  const a = linearlyLabelled(500, k, truth, 22);
  const b = linearlyLabelled(200, k, truth, 23);
  const opts = { classes: c, features: k, l2: 1e-3 };
  const f1 = await fitSoftmaxRegression({ ...a, x: a.x.slice() }, { ...b, x: b.x.slice() }, opts);
  const f2 = await fitSoftmaxRegression({ ...a, x: a.x.slice() }, { ...b, x: b.x.slice() }, opts);
  assert.deepEqual(f1.head.weights, f2.head.weights);
  assert.deepEqual(f1.head.bias, f2.head.bias);
});
