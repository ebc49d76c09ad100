// Gradient rules at the oldest opsets camscope reads (ops written with older ones where the model's
// opset lacks them: MaxPool argmax without Indices before 8, Expand before 8, Where before 9, Mod before
// 10, Gemm's C before 11) and of the resampling ops of old zoo graphs (Upsample/Resize nearest, LRN),
// all against central finite differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type GradientCheck, checkGradient } from '../helpers/finiteDifference.js';
import { distinct, uniform } from '../helpers/random.js';
import * as ort from 'onnxruntime-node';
import { type AttrValue, type NodeProto, encodeModel, floatTensor, makeAttribute } from '../../src-main/onnx/onnxModel.js';
import { buildModel } from '../../src-main/onnx/modelBuilder.js';
import { buildGradientModel } from '../../src-main/onnx/gradientGraph.js';
import { probeShapes } from '../../src-main/onnx/shapeProbe.js';

const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
/** Linear and smooth ops: a larger step cuts float32 rounding noise. */
const STEP = 1e-2;

function node(opType: string, input: string[], attrs: Record<string, AttrValue> = {}): NodeProto {
  return { opType, input, output: ['y'], attribute: Object.entries(attrs).map(([k, v]) => makeAttribute(k, v)) };
}

function assertMatches(r: GradientCheck): void {
  assert.ok(r.maxAbsGrad > 0, 'gradient is not identically zero');
  assert.ok(r.relError <= 1e-3, `relative error ${r.relError}`);
}

const x = (dims: number[], values = distinct(size(dims), -2, 2, 1)) => [{ name: 'x', dims, values }];

for (const opset of [7, 8, 9]) {
  const cases: [string, Record<string, AttrValue>][] = [
    ['3×3 stride 2 pad 1', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
    ['2×2 stride 2', { kernel_shape: [2, 2], strides: [2, 2] }],
    ['3×2 asymmetric pads', { kernel_shape: [3, 2], pads: [1, 0, 0, 1] }],
  ];
  for (const [name, attrs] of cases) {
    test(`MaxPool gradient: ${name} (opset ${opset})`, async () => {
      assertMatches(await checkGradient({ opset, inputs: x([2, 3, 7, 6]), nodes: [node('MaxPool', ['x'], attrs)] }));
    });
  }
}

for (const opset of [7, 8]) {
  test(`MaxPool gradient routes a tied window to its first maximum, row-major, as ONNX Runtime and torch do (opset ${opset})`, async () => {
    // [1, 1, 2, 4] pooled 2×2 stride 2: window 0 is all ties (→ position 0), window 1 ties at (0,3) and (1,2) (→ 3).
    const values = Float32Array.from([1, 1, 0, 2, 1, 1, 2, 0]);
    const model = buildModel({
      opset,
      inputs: [{ name: 'x', dims: [1, 1, 2, 4] }],
      outputs: ['logits'],
      nodes: [node('MaxPool', ['x'], { kernel_shape: [2, 2], strides: [2, 2] }), { opType: 'Flatten', input: ['y'], output: ['logits'] }],
    });
    const feeds = { x: new ort.Tensor('float32', values, [1, 1, 2, 4]) };
    const g = buildGradientModel(model, (await probeShapes(model, feeds)).shapes, ['x'], 'logits');
    const s = await ort.InferenceSession.create(encodeModel(g.model));
    const out = await s.run({ ...feeds, [g.seedInput]: new ort.Tensor('float32', Float32Array.of(1, 10), [1, 2]) });
    await s.release();
    assert.deepEqual(Array.from(out[g.gradientOutputs.get('x')!]!.data as Float32Array), [1, 0, 0, 10, 0, 0, 0, 0]);
  });
}

for (const opset of [7, 9]) {
  test(`GlobalAveragePool, ReduceMean and LeakyRelu gradients (opset ${opset})`, async () => {
    assertMatches(await checkGradient({ opset, eps: STEP, inputs: x([2, 3, 4, 5]), nodes: [node('GlobalAveragePool', ['x'])] }));
    assertMatches(
      await checkGradient({ opset, eps: STEP, inputs: x([2, 3, 4, 5]), nodes: [node('ReduceMean', ['x'], { axes: [2, 3], keepdims: 1 })] }),
    );
    assertMatches(await checkGradient({ opset, inputs: x([2, 3, 4]), nodes: [node('LeakyRelu', ['x'], { alpha: { float: 0.1 } })] }));
  });
  test(`Gemm gradient with its required C (opset ${opset})`, async () => {
    assertMatches(
      await checkGradient({
        opset,
        eps: STEP,
        inputs: x([2, 4]),
        nodes: [node('Gemm', ['x', 'w', 'c'], { transB: 1, alpha: { float: 0.5 } })],
        initializers: [floatTensor('w', [3, 4], uniform(12, -1, 1, 5)), floatTensor('c', [3], uniform(3, -1, 1, 6))],
      }),
    );
  });
}

const upsampleCases: { opset: number; op: string; inputs: string[]; attrs: Record<string, AttrValue> }[] = [
  { opset: 7, op: 'Upsample', inputs: ['x'], attrs: { mode: 'nearest', scales: { floats: [1, 1, 2, 3] } } },
  { opset: 9, op: 'Upsample', inputs: ['x', 'scales'], attrs: { mode: 'nearest' } },
  { opset: 10, op: 'Resize', inputs: ['x', 'scales'], attrs: { mode: 'nearest' } },
  { opset: 11, op: 'Resize', inputs: ['x', 'roi', 'scales'], attrs: { mode: 'nearest' } },
  {
    opset: 13,
    op: 'Resize',
    inputs: ['x', '', 'scales'],
    attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
  },
  { opset: 18, op: 'Resize', inputs: ['x', '', 'scales'], attrs: { mode: 'nearest', coordinate_transformation_mode: 'pytorch_half_pixel' } },
];
for (const k of upsampleCases) {
  test(`${k.op} nearest ×2×3 gradient (opset ${k.opset}, ${JSON.stringify(k.attrs)})`, async () => {
    assertMatches(
      await checkGradient({
        opset: k.opset,
        eps: STEP,
        inputs: x([2, 2, 3, 2]),
        nodes: [node(k.op, k.inputs, k.attrs)],
        initializers: [floatTensor('scales', [4], [1, 1, 2, 3]), floatTensor('roi', [0], [])],
      }),
    );
  });
}

test('Resize in linear mode is refused naming the mode', async () => {
  await assert.rejects(
    checkGradient({
      opset: 13,
      inputs: x([1, 1, 2, 2]),
      nodes: [node('Resize', ['x', '', 'scales'], { mode: 'linear' })],
      initializers: [floatTensor('scales', [4], [1, 1, 2, 2])],
    }),
    /cannot differentiate Resize node .*: mode 'linear' is not supported \(nearest only\)/,
  );
});

for (const opset of [7, 13]) {
  // ONNX Runtime runs odd sizes only.
  for (const lrnSize of [3, 5]) {
    test(`LRN gradient, size ${lrnSize} (opset ${opset})`, async () => {
      assertMatches(
        await checkGradient({
          opset,
          eps: STEP,
          inputs: x([2, 5, 3, 3]),
          nodes: [node('LRN', ['x'], { size: lrnSize, alpha: { float: 0.3 }, beta: { float: 0.75 }, bias: { float: 1.5 } })],
        }),
      );
    });
  }
}
