import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type GradientCheck, checkGradient } from '../helpers/finiteDifference.js';
import { uniform } from '../helpers/random.js';
import { type AttrValue, type NodeProto, floatTensor, makeAttribute } from '../../src-main/onnx/onnxModel.js';

const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

function node(opType: string, input: string[], attrs: Record<string, AttrValue> = {}, output = ['y']): NodeProto {
  return { opType, input, output, attribute: Object.entries(attrs).map(([k, v]) => makeAttribute(k, v)) };
}

function assertMatches(r: GradientCheck): void {
  assert.ok(r.maxAbsGrad > 0, 'gradient is not identically zero');
  assert.ok(r.relError <= 1e-3, `relative error ${r.relError}`);
}

/** Finite-difference step: these functions are smooth, and a larger step cuts float32 rounding noise. */
const STEP = 1e-2;
/** The layers' epsilon, large so that a rule leaving it out is off by more than the tolerance. */
const EPSILON = { float: 0.05 };

/** Scale, bias, mean and variance (positive) initializers for C channels. */
function batchNormStats(channels: number) {
  return [
    floatTensor('scale', [channels], uniform(channels, 0.5, 2, 2)),
    floatTensor('bias', [channels], uniform(channels, -1, 1, 3)),
    floatTensor('mean', [channels], uniform(channels, -1, 1, 4)),
    floatTensor('var', [channels], uniform(channels, 0.2, 3, 5)),
  ];
}

for (const opset of [13, 17]) {
  for (const dims of [
    [2, 3, 4, 4],
    [4, 5],
  ]) {
    test(`BatchNormalization gradient, inference mode, input ${JSON.stringify(dims)} (opset ${opset})`, async () => {
      assertMatches(
        await checkGradient({
          opset,
          eps: STEP,
          inputs: [{ name: 'x', dims, values: uniform(size(dims), -2, 2, 1) }],
          nodes: [node('BatchNormalization', ['x', 'scale', 'bias', 'mean', 'var'], { epsilon: EPSILON })],
          initializers: batchNormStats(dims[1]!),
        }),
      );
    });
  }

  test(`BatchNormalization gradient refuses training mode (opset ${opset})`, async () => {
    // Before opset 14 training mode is flagged by the statistics outputs alone, from 14 by training_mode.
    const stats = ['running_mean', 'running_var', ...(opset >= 14 ? [] : ['saved_mean', 'saved_var'])];
    const bn = node('BatchNormalization', ['x', 'scale', 'bias', 'mean', 'var'], opset >= 14 ? { training_mode: 1 } : {}, ['y', ...stats]);
    await assert.rejects(
      checkGradient({
        opset,
        inputs: [{ name: 'x', dims: [2, 3, 2, 2], values: uniform(24, -2, 2, 1) }],
        nodes: [bn],
        initializers: batchNormStats(3),
      }),
      /training mode is not supported/,
    );
  });

  test(`BatchNormalization gradient refuses statistics computed at run time (opset ${opset})`, async () => {
    await assert.rejects(
      checkGradient({
        opset,
        inputs: [{ name: 'x', dims: [2, 3, 2, 2], values: uniform(24, -2, 2, 1) }],
        nodes: [node('Abs', ['var0'], {}, ['var']), node('BatchNormalization', ['x', 'scale', 'bias', 'mean', 'var'])],
        initializers: [...batchNormStats(3).slice(0, 3), floatTensor('var0', [3], uniform(3, -3, 3, 5))],
      }),
      /variance must be a constant/,
    );
  });

  test(`InstanceNormalization gradient (opset ${opset})`, async () => {
    assertMatches(
      await checkGradient({
        opset,
        eps: STEP,
        inputs: [{ name: 'x', dims: [2, 3, 4, 5], values: uniform(120, -2, 2, 1) }],
        nodes: [node('InstanceNormalization', ['x', 'scale', 'bias'], { epsilon: EPSILON })],
        initializers: [floatTensor('scale', [3], uniform(3, 0.5, 2, 2)), floatTensor('bias', [3], uniform(3, -1, 1, 3))],
      }),
    );
  });
}

interface LayerNormCase {
  name: string;
  x: number[];
  /** undefined: the default axis, −1 */
  axis?: number;
  bias: boolean;
}

const layerNormCases: LayerNormCase[] = [
  { name: 'default axis −1, with bias', x: [2, 3, 4, 5], bias: true },
  { name: 'axis 2 (last two axes), no bias', x: [2, 3, 4, 5], axis: 2, bias: false },
  { name: 'axis −2 on [N, tokens, features]', x: [2, 5, 6], axis: -2, bias: true },
  { name: 'axis 1 (all but batch)', x: [2, 4, 6], axis: 1, bias: true },
];

for (const opset of [17, 18]) {
  for (const k of layerNormCases) {
    test(`LayerNormalization gradient: ${k.name} (opset ${opset})`, async () => {
      const rank = k.x.length;
      const normalized = k.x.slice((k.axis ?? -1) < 0 ? rank + (k.axis ?? -1) : k.axis);
      const n = size(normalized);
      assertMatches(
        await checkGradient({
          opset,
          eps: STEP,
          inputs: [{ name: 'x', dims: k.x, values: uniform(size(k.x), -2, 2, 1) }],
          nodes: [
            node(
              'LayerNormalization',
              k.bias ? ['x', 'scale', 'bias'] : ['x', 'scale'],
              k.axis === undefined ? { epsilon: EPSILON } : { axis: k.axis, epsilon: EPSILON },
            ),
          ],
          initializers: [
            floatTensor('scale', normalized, uniform(n, 0.5, 2, 2)),
            ...(k.bias ? [floatTensor('bias', normalized, uniform(n, -1, 1, 3))] : []),
          ],
        }),
      );
    });
  }
}
