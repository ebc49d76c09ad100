// Ablation-CAM, Score-CAM and Recipro-CAM against expectations computed independently in the test:
// the head and the model run by hand-built ONNX Runtime sessions on explicitly ablated or masked
// copies, and GAP → linear identities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ClassifierModel } from '../../src-main/model/classifierModel.js';
import { camHeadAt } from '../../src-main/model/camHead.js';
import { ExplainEngine } from '../../src-main/explain/engine.js';
import { perturbationPasses, softmax } from '../../src-main/explain/explainer.js';
import { METHODS } from '../../src-main/explain/methods/index.js';
import type { MethodInput } from '../../src-main/explain/methods/method.js';
import { upsampleBilinear } from '../../src-main/explain/postprocess/mapGrid.js';
import { buildModel } from '../../src-main/onnx/modelBuilder.js';
import { encodeModel, floatTensor, makeAttribute, type NodeProto } from '../../src-main/onnx/onnxModel.js';
import { gapClassifier, writeModel } from '../helpers/tinyModels.js';
import { referenceFixtures, relMaxDiff } from '../helpers/referenceFixtures.js';
import { uniform } from '../helpers/random.js';

const dir = mkdtempSync(join(tmpdir(), 'camscope-perturb-'));
const K = 4;
const CLASSES = 3;
const SIZE = 8;

interface TinyOpts {
  /** ReLU on the target layer (A ≥ 0) or not (A signed, min(A) ≠ 0). */
  relu: boolean;
  /** Channel 3 of A is the constant 0.5. */
  constantChannel: boolean;
  /** Stride of the first conv (2: the layer is 4×4 under an 8×8 input). */
  stride: 1 | 2;
}

/** The nodes after A: Conv 1×1 (K→5) → Relu → GAP → Flatten → Gemm (5→3), a non-linear head. */
function headNodes(a: string): NodeProto[] {
  return [
    { opType: 'Conv', input: [a, 'h_w', 'h_b'], output: ['h1'] },
    { opType: 'Relu', input: ['h1'], output: ['h2'] },
    { opType: 'GlobalAveragePool', input: ['h2'], output: ['pooled'] },
    { opType: 'Flatten', input: ['pooled'], output: ['flat'] },
    { opType: 'Gemm', input: ['flat', 'fc_w', 'fc_b'], output: ['logits'], attribute: [makeAttribute('transB', 1)] },
  ];
}
const headInitializers = () => [
  floatTensor('h_w', [5, K, 1, 1], uniform(5 * K, -1, 1, 31)),
  floatTensor('h_b', [5], uniform(5, 0, 0.3, 32)),
  floatTensor('fc_w', [CLASSES, 5], uniform(CLASSES * 5, -1, 1, 33)),
  floatTensor('fc_b', [CLASSES], uniform(CLASSES, -0.1, 0.1, 34)),
];

/** input [N,3,8,8] → Conv(3→4) → A ('features') → the head above. */
function tinyModel(o: TinyOpts): Uint8Array {
  const w = uniform(K * 27, -0.5, 0.5, 41);
  const b = uniform(K, -0.2, 0.2, 42);
  if (o.constantChannel) {
    w.fill(0, 3 * 27, 4 * 27);
    b[3] = 0.5;
  }
  const nodes: NodeProto[] = [
    {
      opType: 'Conv',
      input: ['input', 'conv_w', 'conv_b'],
      output: [o.relu ? 'conv_out' : 'features'],
      attribute: [makeAttribute('pads', [1, 1, 1, 1]), makeAttribute('strides', [o.stride, o.stride])],
    },
    ...(o.relu ? [{ opType: 'Relu', input: ['conv_out'], output: ['features'] }] : []),
    ...headNodes('features'),
  ];
  return encodeModel(
    buildModel({
      opset: 13,
      inputs: [{ name: 'input', dims: ['N', 3, SIZE, SIZE] }],
      outputs: ['logits'],
      nodes,
      initializers: [floatTensor('conv_w', [K, 3, 3, 3], w), floatTensor('conv_b', [K], b), ...headInitializers()],
    }),
  );
}

/** The head as its own model, written by hand (not extracted): A [N,K,h,w] → logits. */
function handHead(h: number): Uint8Array {
  return encodeModel(
    buildModel({
      opset: 13,
      inputs: [{ name: 'features', dims: ['N', K, h, h] }],
      outputs: ['logits'],
      nodes: headNodes('features'),
      initializers: headInitializers(),
    }),
  );
}

async function logitsOf(session: ort.InferenceSession, name: string, data: Float32Array, dims: number[]): Promise<Float32Array> {
  const out = await session.run({ [name]: new ort.Tensor('float32', data, dims) });
  return out.logits!.data as Float32Array;
}

/** One image through the engine: the method's input with passes, batches of 3 (K = 4 leaves a remainder). */
async function methodInput(file: string, seed: number, target: number | 'top1' = 'top1') {
  const model = await ClassifierModel.open(file);
  const engine = new ExplainEngine(model);
  const layer = 'features';
  const x = uniform(3 * SIZE * SIZE, -2, 2, seed);
  const out = await engine.forward(x, 1, [layer], { heads: [layer] });
  const { activations, dims } = out.layers.get(layer)!;
  const [, channels, h, w] = dims;
  const t = target === 'top1' ? out.logits.indexOf(Math.max(...out.logits)) : target;
  const input: MethodInput = {
    activation: activations,
    channels,
    size: h * w,
    target: t,
    passes: perturbationPasses(engine, out, 0, layer, x, { headBatch: 3, inputBatch: 3 }),
  };
  return { engine, input, x, logits: out.logits, h, w };
}

function expectClose(actual: Float32Array, expected: ArrayLike<number>, what: string, tol = 1e-5): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const err = relMaxDiff(actual, expected);
  assert.ok(
    err <= tol,
    `${what}: rel. error ${err}\n  got      ${Array.from(actual.slice(0, 8)).map((v) => v.toFixed(5))}\n  expected ${Array.from(expected)
      .slice(0, 8)
      .map((v) => v.toFixed(5))}`,
  );
}

/** ReLU(Σ_k w_k A_k), written out. */
function combine(a: Float32Array, w: ArrayLike<number>, size: number): number[] {
  const map = Array.from({ length: size }, (_, i) => {
    let s = 0;
    for (let k = 0; k < w.length; k++) s += w[k]! * a[k * size + i]!;
    return Math.max(0, s);
  });
  return map;
}

for (const variant of ['zero', 'pytorchgradcam'] as const) {
  for (const relu of [true, false]) {
    test(`Ablation-CAM (${variant}, A ${relu ? '≥ 0' : 'signed'}): w_k = (y − y_k)/y from a hand-built head on ablated copies`, async () => {
      const file = writeModel(join(dir, `ablation-${relu}.onnx`), tinyModel({ relu, constantChannel: true, stride: 1 }));
      const { engine, input, logits, h } = await methodInput(file, 5);
      const size = input.size;
      const head = await ort.InferenceSession.create(handHead(h));
      const a = input.activation;
      let min = Infinity;
      for (const v of a) min = Math.min(min, v);
      // pytorch-grad-cam ablates with min(A) − 1e7 unless min(A) = 0 (here: A ≥ 0 with zeros after ReLU).
      const fill = variant === 'pytorchgradcam' && min !== 0 ? min - 1e7 : 0;
      if (relu) assert.equal(min, 0, 'ReLU leaves zeros in A');
      const y = logits[input.target]!;
      const weights: number[] = [];
      for (let k = 0; k < K; k++) {
        const ablated = Float32Array.from(a);
        ablated.fill(fill, k * size, (k + 1) * size);
        const yk = (await logitsOf(head, 'features', ablated, [1, K, h, h]))[input.target]!;
        weights.push((y - yk) / y);
      }
      assert.ok(
        weights.some((v) => v !== 0),
        'ablation changes the score',
      );
      const map = await METHODS.ablationcam.compute({ ...input, variant });
      expectClose(map, combine(a, weights, size), `ablationcam:${variant}`);
      await head.release();
      await engine.release();
    });
  }
}

test('Ablation-CAM: y = 0 gives zero weights, not NaN', async () => {
  const file = writeModel(join(dir, 'ablation-y0.onnx'), tinyModel({ relu: true, constantChannel: false, stride: 1 }));
  const { engine, input } = await methodInput(file, 6);
  const logits = Float32Array.from(input.passes!.logits);
  logits[input.target] = 0;
  const map = await METHODS.ablationcam.compute({ ...input, passes: { ...input.passes!, logits } });
  assert.ok(
    map.every((v) => v === 0),
    `all zeros: ${map.slice(0, 4)}`,
  );
  await engine.release();
});

for (const stride of [1, 2] as const) {
  for (const variant of ['classes', 'channels'] as const) {
    test(`Score-CAM (${variant}, layer ${SIZE / stride}×${SIZE / stride}): masked inputs scored by a separate session; a constant channel is skipped`, async () => {
      const file = writeModel(join(dir, `score-${stride}.onnx`), tinyModel({ relu: false, constantChannel: true, stride }));
      const { engine, input, x, h, w } = await methodInput(file, 7);
      const full = await ort.InferenceSession.create(file);
      const size = input.size;
      const a = input.activation;
      const plane = SIZE * SIZE;
      // Masks: minmax of A_k brought to the input size (the identity at stride 1).
      const scores: (number | null)[] = [];
      for (let k = 0; k < K; k++) {
        const ak = a.subarray(k * size, (k + 1) * size);
        const up = stride === 1 ? Float32Array.from(ak) : upsampleBilinear({ width: w, height: h, values: ak }, SIZE, SIZE).values;
        const lo = Math.min(...up);
        const hi = Math.max(...up);
        if (hi === lo) {
          scores.push(null);
          continue;
        }
        const masked = new Float32Array(3 * plane);
        for (let c = 0; c < 3; c++) for (let p = 0; p < plane; p++) masked[c * plane + p] = x[c * plane + p]! * ((up[p]! - lo) / (hi - lo));
        const l = await logitsOf(full, 'input', masked, [1, 3, SIZE, SIZE]);
        scores.push(variant === 'classes' ? softmax(l)[input.target]! : l[input.target]!);
      }
      assert.equal(scores[3], null, 'channel 3 is constant');
      assert.ok(
        scores.slice(0, 3).every((s) => s !== null),
        'the other channels are scored',
      );
      let weights: number[];
      if (variant === 'classes') weights = scores.map((s) => s ?? 0);
      else {
        const kept = scores.filter((s): s is number => s !== null);
        const z = kept.reduce((acc, s) => acc + Math.exp(s), 0);
        weights = scores.map((s) => (s === null ? 0 : Math.exp(s) / z));
        assert.ok(Math.abs(weights.reduce((p, q) => p + q, 0) - 1) < 1e-12, 'softmax over the scored channels');
      }
      const map = await METHODS.scorecam.compute({ ...input, variant });
      assert.ok(map.every(Number.isFinite), 'no NaN');
      expectClose(map, combine(a, weights, size), `scorecam:${variant}`);
      await full.release();
      await engine.release();
    });
  }
}

test('Score-CAM: a model with a fixed batch of 1 is run one masked input at a time, same map', async () => {
  const dynamicFile = writeModel(join(dir, 'score-dyn.onnx'), tinyModel({ relu: true, constantChannel: false, stride: 2 }));
  const fixed = tinyModel({ relu: true, constantChannel: false, stride: 2 });
  const proto = (await import('../../src-main/onnx/onnxModel.js')).decodeModel(fixed, 'fixed');
  proto.graph!.input![0]!.type!.tensorType!.shape!.dim![0] = { dimValue: 1 };
  const fixedFile = writeModel(join(dir, 'score-fixed.onnx'), encodeModel(proto));
  const a = await methodInput(dynamicFile, 8);
  const b = await methodInput(fixedFile, 8);
  assert.equal(b.engine.staticBatch, 1);
  expectClose(await METHODS.scorecam.compute(b.input), await METHODS.scorecam.compute(a.input), 'fixed vs dynamic batch', 1e-6);
  expectClose(await METHODS.ablationcam.compute(b.input), await METHODS.ablationcam.compute(a.input), 'ablation, fixed vs dynamic', 1e-6);
  await a.engine.release();
  await b.engine.release();
});

/** Recipro-CAM identities on a GAP → linear head with weights W, bias b (from camHeadAt). */
async function checkRecipro(file: string, layer: string, x: Float32Array, tol: number): Promise<void> {
  const model = await ClassifierModel.open(file);
  const head = camHeadAt(model, layer);
  assert.ok(head.ok, 'CAM applies');
  const engine = new ExplainEngine(model);
  const out = await engine.forward(x, 1, [layer], { heads: [layer] });
  const { activations, dims } = out.layers.get(layer)!;
  const [, channels, h, w] = dims;
  const size = h * w;
  const classes = model.numClasses;
  const input: MethodInput = {
    activation: activations,
    channels,
    size,
    target: 0,
    head,
    passes: perturbationPasses(engine, out, 0, layer, x, { headBatch: 5 }),
  };
  // The single-position head logits for every class: CAM_c/(h·w) + b_c.
  const camAll = Array.from({ length: classes }, (_, c) => METHODS.cam.compute({ ...input, target: c }));
  const logitAt = (c: number, i: number, scale = 1) => (camAll[c]![i]! * scale) / size + head.bias[c]!;
  // Fraction of the 3×3 Gaussian kept inside the map at each position.
  const edge = (v: number, n: number) => (n === 1 ? 1 / 2 : v === 0 || v === n - 1 ? 3 / 4 : 1);
  const kept = (i: number) => edge(Math.floor(i / w), h) * edge(i % w, w);
  for (const target of [0, classes - 1]) {
    const t = { ...input, target };
    const single = await METHODS.reciprocam.compute({ ...t, variant: 'single-logit' });
    expectClose(
      single,
      Array.from({ length: size }, (_, i) => logitAt(target, i)),
      `single-logit = CAM/(h·w) + b, class ${target}`,
      tol,
    );
    const gauss = await METHODS.reciprocam.compute({ ...t, variant: 'gaussian-logit' });
    expectClose(
      gauss,
      Array.from({ length: size }, (_, i) => logitAt(target, i, kept(i))),
      `gaussian-logit = CAM·kept/(h·w) + b, class ${target}`,
      tol,
    );
    const soft = await METHODS.reciprocam.compute({ ...t, variant: 'single' });
    const expectedSoft = Array.from({ length: size }, (_, i) => softmax(Array.from({ length: classes }, (_, c) => logitAt(c, i)))[target]!);
    expectClose(soft, expectedSoft, `single = softmax of those logits, class ${target}`, tol);
    for (const v of ['gaussian', 'single'] as const) {
      const m = v === 'single' ? soft : await METHODS.reciprocam.compute({ ...t, variant: v });
      assert.ok(
        m.every((p) => p > 0 && p < 1),
        `${v}: softmax scores in (0, 1)`,
      );
    }
    assert.deepEqual(
      await METHODS.reciprocam.compute({ ...t }),
      await METHODS.reciprocam.compute({ ...t, variant: 'gaussian' }),
      'default = gaussian',
    );
  }
  await engine.release();
}

test('Recipro-CAM on gapClassifier: single-logit = CAM/(h·w) + b_c; Gaussian and softmax variants', async () => {
  const file = writeModel(join(dir, 'gap.onnx'), gapClassifier({ k: 5, classes: 4, size: 6 }));
  await checkRecipro(file, 'features', uniform(3 * 36, -2, 2, 11), 1e-5);
});

const camFixture =
  referenceFixtures().find((f) => f.fixture.cam.applicable && f.fixture.opset === 13 && /^resnet_/.test(f.json)) ??
  referenceFixtures().find((f) => f.fixture.cam.applicable && f.fixture.opset === 13);
test(`Recipro-CAM identity on a CAM-able fixture (${camFixture?.json ?? 'none'})`, { skip: !camFixture && 'no CAM-able fixture' }, async () => {
  const { model: file, fixture } = camFixture!;
  const [, c, hh, ww] = fixture.input.shape;
  await checkRecipro(file, fixture.default_layer.tensor, uniform(c * hh * ww, -2, 2, 12), 1e-4);
});
