// Activation and unary-math gradients against central finite differences, at several opsets.
import { type TestContext, test } from 'node:test';
import assert from 'node:assert/strict';
import { type GradientCase, checkGradient } from '../helpers/finiteDifference.js';
import { awayFromZero, uniform } from '../helpers/random.js';
import { type AttrValue, type NodeProto, floatTensor, makeAttribute, onnx } from '../../src-main/onnx/onnxModel.js';

const DIMS = [2, 3, 4, 4];
const SIZE = 96;

function node(opType: string, input: string[], output: string[], attrs: Record<string, AttrValue> = {}): NodeProto {
  return { opType, input, output, attribute: Object.entries(attrs).map(([k, v]) => makeAttribute(k, v)) };
}

// A step of 1e-2 keeps float32 rounding in the objective well below the tolerance; inputs stay
// at least 0.05 from every kink, and the smooth ops' truncation error (eps²/6 · f''') stays ~1e-5.
async function expectGradient(t: TestContext, c: GradientCase): Promise<void> {
  const r = await checkGradient({ eps: 1e-2, ...c });
  t.diagnostic(`relative error ${r.relError.toExponential(2)} over ${r.checked} values`);
  assert.ok(r.maxAbsGrad > 0, 'gradient is not identically zero');
  assert.ok(r.relError <= 1e-3, `relative error ${r.relError}`);
}

/** Moves values within `margin` of a kink out to kink ± margin, so finite differences never straddle one. */
function awayFrom(values: Float32Array, kinks: number[], margin: number): Float32Array {
  return values.map((v) => {
    for (const k of kinks) if (Math.abs(v - k) < margin) return k + (v < k ? -margin : margin);
    return v;
  });
}

const unary: { op: string; values: Float32Array; attrs?: Record<string, AttrValue>; opsets?: number[] }[] = [
  { op: 'Relu', values: awayFromZero(SIZE, 0.05, 2, 1) },
  { op: 'LeakyRelu', values: awayFromZero(SIZE, 0.05, 2, 2), attrs: { alpha: { float: 0.1 } } },
  { op: 'Sigmoid', values: uniform(SIZE, -3, 3, 3) },
  // Default α = 0.2, β = 0.5: kinks at x = ±2.5.
  { op: 'HardSigmoid', values: awayFrom(uniform(SIZE, -4, 4, 4), [-2.5, 2.5], 0.05) },
  // torch's export: α = 1/6, kinks at x = ±3.
  {
    op: 'HardSigmoid',
    values: awayFrom(uniform(SIZE, -5, 5, 5), [-3, 3], 0.05),
    attrs: { alpha: { float: 1 / 6 }, beta: { float: 0.5 } },
  },
  { op: 'HardSwish', values: awayFrom(uniform(SIZE, -5, 5, 6), [-3, 3], 0.05), opsets: [14, 17] },
  { op: 'Tanh', values: uniform(SIZE, -2, 2, 7) },
  { op: 'Erf', values: uniform(SIZE, -2, 2, 8) },
  { op: 'Sqrt', values: uniform(SIZE, 0.5, 3, 9) },
  { op: 'Exp', values: uniform(SIZE, -2, 2, 10) },
  { op: 'Log', values: uniform(SIZE, 0.5, 3, 11) },
  { op: 'Neg', values: uniform(SIZE, -2, 2, 12) },
  { op: 'Identity', values: uniform(SIZE, -2, 2, 13) },
  { op: 'Cast', values: uniform(SIZE, -2, 2, 14), attrs: { to: onnx.TensorProto.DataType.FLOAT } },
  { op: 'Softmax', values: uniform(SIZE, -2, 2, 15) },
  { op: 'Softmax', values: uniform(SIZE, -2, 2, 16), attrs: { axis: 1 } },
  { op: 'LogSoftmax', values: uniform(SIZE, -2, 2, 17) },
  { op: 'LogSoftmax', values: uniform(SIZE, -2, 2, 18), attrs: { axis: -3 } },
];

for (const { op, values, attrs = {}, opsets = [13, 17] } of unary) {
  for (const opset of opsets) {
    test(`${op} ${JSON.stringify(attrs)} gradient matches finite differences (opset ${opset})`, (t) =>
      expectGradient(t, {
        opset,
        inputs: [{ name: 'x', dims: DIMS, values }],
        nodes: [node(op, ['x'], ['y'], attrs)],
      }));
  }
}

for (const opset of [11, 13, 17]) {
  // Dropout's mask output is unused; from opset 12 the ratio is an input.
  test(`Dropout gradient is the identity, mask output unused (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [{ name: 'x', dims: DIMS, values: uniform(SIZE, -2, 2, 19) }],
      nodes: [opset >= 12 ? node('Dropout', ['x', 'ratio'], ['y', 'mask']) : node('Dropout', ['x'], ['y', 'mask'], { ratio: { float: 0.5 } })],
      initializers: [floatTensor('ratio', [], [0.5])],
    }));

  // Relu6-style bounds 0 and 6 as inputs 1, 2; either may be absent ('').
  const bounds: [string, string[]][] = [
    ['min and max', ['x', 'lo', 'hi']],
    ['max only', ['x', '', 'hi']],
    ['min only', ['x', 'lo']],
    ['no bounds', ['x']],
  ];
  for (const [label, input] of bounds) {
    test(`Clip gradient, ${label} (opset ${opset})`, (t) =>
      expectGradient(t, {
        opset,
        inputs: [{ name: 'x', dims: DIMS, values: awayFrom(uniform(SIZE, -3, 9, 20), [0, 6], 0.05) }],
        nodes: [node('Clip', input, ['y'])],
        initializers: [floatTensor('lo', [], [0]), floatTensor('hi', [], [6])],
      }));
  }
}

test('Clip gradient, bounds as attributes (opset 10)', (t) =>
  expectGradient(t, {
    opset: 10,
    inputs: [{ name: 'x', dims: DIMS, values: awayFrom(uniform(SIZE, -3, 3, 21), [-1, 1.5], 0.05) }],
    nodes: [node('Clip', ['x'], ['y'], { min: { float: -1 }, max: { float: 1.5 } })],
  }));

// Before opset 13 Softmax flattens the axes from `axis` on; default axis 1 on 2-D input is the last axis.
for (const [dims, attrs] of [
  [[2, 5], {}],
  [[2, 3, 4], { axis: -1 }],
  [[2, 3, 4, 1], { axis: 2 }],
] as [number[], Record<string, number>][]) {
  for (const op of ['Softmax', 'LogSoftmax']) {
    test(`${op} ${JSON.stringify(attrs)} on ${JSON.stringify(dims)} gradient (opset 11)`, (t) =>
      expectGradient(t, {
        opset: 11,
        inputs: [
          {
            name: 'x',
            dims,
            values: uniform(
              dims.reduce((a, b) => a * b),
              -2,
              2,
              22,
            ),
          },
        ],
        nodes: [node(op, ['x'], ['y'], attrs)],
      }));
  }
}

test('Softmax over flattened axes (opset 11, axis 1 of 3-D) is rejected', async () => {
  await assert.rejects(
    checkGradient({
      opset: 11,
      inputs: [{ name: 'x', dims: [2, 3, 4], values: uniform(24, -2, 2, 23) }],
      nodes: [node('Softmax', ['x'], ['y'], { axis: 1 })],
    }),
    /Softmax.*only the last axis/,
  );
});

test('Cast through double is rejected', async () => {
  await assert.rejects(
    checkGradient({
      inputs: [{ name: 'x', dims: [2, 3], values: uniform(6, -2, 2, 24) }],
      nodes: [
        node('Cast', ['x'], ['xd'], { to: onnx.TensorProto.DataType.DOUBLE }),
        node('Cast', ['xd'], ['y'], { to: onnx.TensorProto.DataType.FLOAT }),
      ],
    }),
    /Cast.*float → float only/,
  );
});
