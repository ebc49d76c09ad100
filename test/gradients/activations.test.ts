import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkGradient } from '../helpers/finiteDifference.js';
import { awayFromZero } from '../helpers/random.js';

for (const opset of [13, 17]) {
  test(`Relu gradient matches finite differences (opset ${opset})`, async () => {
    const r = await checkGradient({
      opset,
      inputs: [{ name: 'x', dims: [2, 3, 4, 4], values: awayFromZero(96, 0.05, 2, 1) }],
      nodes: [{ opType: 'Relu', input: ['x'], output: ['y'] }],
    });
    assert.ok(r.maxAbsGrad > 0, 'gradient is not identically zero');
    assert.ok(r.relError <= 1e-3, `relative error ${r.relError}`);
  });
}
