// Element-wise binary/variadic gradients with numpy broadcasting, against central finite differences.
// Opset 11 is included because the reduction over broadcast axes (ReduceSum) changed signature at 13.
import { type TestContext, test } from 'node:test';
import assert from 'node:assert/strict';
import { type GradientCase, checkGradient } from '../helpers/finiteDifference.js';
import { awayFromZero, uniform } from '../helpers/random.js';
import { floatTensor, int64Tensor } from '../../src-main/onnx/onnxModel.js';

// Smooth ops: a step of 1e-2 keeps float32 rounding in the objective far below the tolerance.
async function expectGradient(t: TestContext, c: GradientCase): Promise<void> {
  const r = await checkGradient({ eps: 1e-2, ...c });
  t.diagnostic(`relative error ${r.relError.toExponential(2)} over ${r.checked} values`);
  assert.ok(r.maxAbsGrad > 0, 'gradient is not identically zero');
  assert.ok(r.relError <= 1e-3, `relative error ${r.relError}`);
}

const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/** Operand shapes: same shape, B broadcast into A, both broadcast (each has a unit axis the other fills), scalar B. */
const shapePairs: [number[], number[]][] = [
  [
    [2, 3, 4],
    [2, 3, 4],
  ],
  [
    [2, 3, 4],
    [3, 1],
  ],
  [
    [2, 1, 4],
    [1, 3, 1],
  ],
  [[2, 3], []],
];

/** Divisor and Pow base stay away from 0, where these gradients blow up or ln is undefined. */
const binary: { op: string; a: (n: number) => Float32Array; b: (n: number) => Float32Array }[] = [
  { op: 'Add', a: (n) => uniform(n, -2, 2, 1), b: (n) => uniform(n, -2, 2, 2) },
  { op: 'Sub', a: (n) => uniform(n, -2, 2, 3), b: (n) => uniform(n, -2, 2, 4) },
  { op: 'Mul', a: (n) => uniform(n, -2, 2, 5), b: (n) => uniform(n, -2, 2, 6) },
  { op: 'Div', a: (n) => uniform(n, -2, 2, 7), b: (n) => awayFromZero(n, 0.5, 2, 8) },
  { op: 'Pow', a: (n) => uniform(n, 0.5, 2, 9), b: (n) => uniform(n, -2, 2, 10) },
];

for (const opset of [11, 13, 17]) {
  for (const { op, a, b } of binary) {
    for (const [da, db] of shapePairs) {
      test(`${op} gradient, ${JSON.stringify(da)} with ${JSON.stringify(db)} (opset ${opset})`, (t) =>
        expectGradient(t, {
          opset,
          inputs: [
            { name: 'a', dims: da, values: a(size(da)) },
            { name: 'b', dims: db, values: b(size(db)) },
          ],
          nodes: [{ opType: op, input: ['a', 'b'], output: ['y'] }],
        }));
    }
  }

  test(`Sub gradient, constant left operand broadcast (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [{ name: 'x', dims: [2, 3, 4], values: uniform(24, -2, 2, 11) }],
      nodes: [{ opType: 'Sub', input: ['c', 'x'], output: ['y'] }],
      initializers: [floatTensor('c', [4], uniform(4, -2, 2, 12))],
    }));

  // Decomposed LayerNorm computes the variance as ReduceMean(Pow(x − mean, 2)).
  test(`Pow gradient, constant float exponent 2 (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [{ name: 'x', dims: [2, 3, 4], values: uniform(24, -2, 2, 13) }],
      nodes: [{ opType: 'Pow', input: ['x', 'p'], output: ['y'] }],
      initializers: [floatTensor('p', [], [2])],
    }));

  test(`Pow gradient, exponent on the path with a constant base (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [{ name: 'x', dims: [2, 3, 4], values: uniform(24, -1, 1, 14) }],
      nodes: [{ opType: 'Pow', input: ['base', 'x'], output: ['y'] }],
      initializers: [floatTensor('base', [3, 1], [0.5, 1.5, 3])],
    }));

  test(`Sum gradient, three broadcast inputs (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [
        { name: 'a', dims: [2, 3, 4], values: uniform(24, -2, 2, 15) },
        { name: 'b', dims: [3, 4], values: uniform(12, -2, 2, 16) },
        { name: 'c', dims: [2, 1, 1], values: uniform(2, -2, 2, 17) },
      ],
      nodes: [{ opType: 'Sum', input: ['a', 'b', 'c'], output: ['y'] }],
    }));

  // Expand broadcasts like numpy: to the same rank, and to a higher rank.
  for (const [dims, shape] of [
    [
      [2, 1, 4],
      [2, 3, 1],
    ],
    [
      [3, 1],
      [2, 3, 4],
    ],
  ]) {
    test(`Expand gradient, ${JSON.stringify(dims)} to ${JSON.stringify(shape)} (opset ${opset})`, (t) =>
      expectGradient(t, {
        opset,
        inputs: [{ name: 'x', dims: dims!, values: uniform(size(dims!), -2, 2, 18) }],
        nodes: [{ opType: 'Expand', input: ['x', 'shape'], output: ['y'] }],
        initializers: [int64Tensor('shape', [shape!.length], shape!)],
      }));
  }
}

// From opset 12 the exponent may be an integer tensor.
for (const opset of [13, 17]) {
  test(`Pow gradient, constant int64 exponent 3 (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [{ name: 'x', dims: [2, 3, 4], values: uniform(24, -2, 2, 19) }],
      nodes: [{ opType: 'Pow', input: ['x', 'p'], output: ['y'] }],
      initializers: [int64Tensor('p', [], [3])],
    }));
}
