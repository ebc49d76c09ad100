import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkGradient } from '../helpers/finiteDifference.js';
import { uniform } from '../helpers/random.js';
import { floatTensor } from '../../src-main/onnx/onnxModel.js';

test('MatMul gradient: both operands, batch broadcasting', async () => {
  const r = await checkGradient({
    inputs: [
      { name: 'a', dims: [2, 3, 4, 5], values: uniform(120, -1, 1, 1) },
      { name: 'b', dims: [1, 5, 2], values: uniform(10, -1, 1, 2) },
    ],
    nodes: [{ opType: 'MatMul', input: ['a', 'b'], output: ['y'] }],
  });
  assert.ok(r.maxAbsGrad > 0 && r.relError <= 1e-3, `relative error ${r.relError}`);
});

test('MatMul gradient: constant 2-D right operand (Linear layer on NHWC)', async () => {
  const r = await checkGradient({
    inputs: [{ name: 'a', dims: [2, 2, 2, 4], values: uniform(32, -1, 1, 3) }],
    nodes: [{ opType: 'MatMul', input: ['a', 'w'], output: ['y'] }],
    initializers: [floatTensor('w', [4, 3], uniform(12, -1, 1, 4))],
  });
  assert.ok(r.maxAbsGrad > 0 && r.relError <= 1e-3, `relative error ${r.relError}`);
});

for (const [transA, transB] of [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
] as const) {
  test(`Gemm gradient: transA=${transA} transB=${transB}, alpha, beta, bias`, async () => {
    const a = transA ? [4, 2] : [2, 4];
    const b = transB ? [3, 4] : [4, 3];
    const r = await checkGradient({
      inputs: [
        { name: 'a', dims: a, values: uniform(8, -1, 1, 5) },
        { name: 'b', dims: b, values: uniform(12, -1, 1, 6) },
        { name: 'c', dims: [1, 3], values: uniform(3, -1, 1, 7) },
      ],
      nodes: [
        {
          opType: 'Gemm',
          input: ['a', 'b', 'c'],
          output: ['y'],
          attribute: [
            { name: 'transA', type: 2, i: transA },
            { name: 'transB', type: 2, i: transB },
            { name: 'alpha', type: 1, f: 0.7 },
            { name: 'beta', type: 1, f: 1.3 },
          ],
        },
      ],
    });
    assert.ok(r.maxAbsGrad > 0 && r.relError <= 1e-3, `relative error ${r.relError}`);
  });
}
