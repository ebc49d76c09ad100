import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type GradientCheck, checkGradient } from '../helpers/finiteDifference.js';
import { distinct, uniform } from '../helpers/random.js';
import { type AttrValue, type NodeProto, int64Tensor, makeAttribute } from '../../src-main/onnx/onnxModel.js';

const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
/**
 * Average pooling and reductions are linear, so a large finite-difference step is exact and cuts
 * float32 rounding noise. MaxPool keeps the default step, well below the gap between distinct inputs.
 */
const LINEAR_STEP = 1e-2;

function node(opType: string, input: string[], attrs: Record<string, AttrValue> = {}): NodeProto {
  return { opType, input, output: ['y'], attribute: Object.entries(attrs).map(([k, v]) => makeAttribute(k, v)) };
}

function assertMatches(r: GradientCheck): void {
  assert.ok(r.maxAbsGrad > 0, 'gradient is not identically zero');
  assert.ok(r.relError <= 1e-3, `relative error ${r.relError}`);
}

interface PoolCase {
  name: string;
  x: number[];
  attrs: Record<string, AttrValue>;
}

const maxPoolCases: PoolCase[] = [
  // Overlapping windows: one input can be the argmax of several windows (ResNet stem).
  { name: '3×3 stride 2 pad 1', x: [2, 2, 7, 7], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
  // GoogLeNet: the last window overruns the input.
  { name: '3×3 stride 2 ceil_mode', x: [1, 3, 8, 8], attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 } },
  { name: '2×2 stride 2', x: [2, 3, 4, 4], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
  { name: '2×3 dilation 2, asymmetric pads', x: [1, 2, 7, 8], attrs: { kernel_shape: [2, 3], dilations: [2, 2], pads: [1, 0, 0, 1] } },
  // The last window along each axis overruns the input (pad at the start only).
  { name: 'ceil_mode with asymmetric pads', x: [1, 2, 7, 6], attrs: { kernel_shape: [3, 2], strides: [2, 2], pads: [1, 1, 0, 0], ceil_mode: 1 } },
  { name: 'auto_pad SAME_UPPER stride 2', x: [1, 2, 6, 7], attrs: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' } },
  { name: 'storage_order 1', x: [1, 2, 5, 7], attrs: { kernel_shape: [3, 3], strides: [2, 1], storage_order: 1 } },
  { name: '1-D, stride 2', x: [2, 3, 9], attrs: { kernel_shape: [3], strides: [2], pads: [1, 1] } },
];

for (const opset of [11, 13, 17]) {
  for (const k of maxPoolCases) {
    test(`MaxPool gradient: ${k.name} (opset ${opset})`, async () => {
      assertMatches(
        await checkGradient({
          opset,
          inputs: [{ name: 'x', dims: k.x, values: distinct(size(k.x), -2, 2, 1) }],
          nodes: [node('MaxPool', ['x'], k.attrs)],
        }),
      );
    });
  }
}

const averagePoolCases: PoolCase[] = [
  { name: '3×3 stride 2 pad 1', x: [2, 2, 7, 7], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
  { name: '2×2 stride 2', x: [2, 3, 4, 4], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
  { name: 'asymmetric pads', x: [1, 2, 6, 7], attrs: { kernel_shape: [3, 2], pads: [2, 1, 0, 1] } },
  // Windows clipped by the input's end, by the end pad, or both.
  { name: 'ceil_mode with pads', x: [1, 2, 8, 7], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 0, 1], ceil_mode: 1 } },
  { name: 'auto_pad SAME_LOWER stride 2', x: [1, 2, 6, 7], attrs: { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_LOWER' } },
  { name: '1-D, stride 2', x: [2, 3, 9], attrs: { kernel_shape: [3], strides: [2], pads: [1, 1] } },
];

for (const opset of [13, 17]) {
  for (const k of averagePoolCases) {
    for (const includePad of [0, 1]) {
      test(`AveragePool gradient: ${k.name}, count_include_pad ${includePad} (opset ${opset})`, async () => {
        assertMatches(
          await checkGradient({
            opset,
            eps: LINEAR_STEP,
            inputs: [{ name: 'x', dims: k.x, values: uniform(size(k.x), -1, 1, 1) }],
            nodes: [node('AveragePool', ['x'], { ...k.attrs, count_include_pad: includePad })],
          }),
        );
      });
    }
  }

  test(`GlobalAveragePool gradient (opset ${opset})`, async () => {
    assertMatches(
      await checkGradient({
        opset,
        eps: LINEAR_STEP,
        inputs: [{ name: 'x', dims: [2, 3, 4, 5], values: uniform(120, -1, 1, 1) }],
        nodes: [node('GlobalAveragePool', ['x'])],
      }),
    );
  });

  test(`GlobalMaxPool gradient (opset ${opset})`, async () => {
    assertMatches(
      await checkGradient({
        opset,
        inputs: [{ name: 'x', dims: [2, 3, 4, 5], values: distinct(120, -2, 2, 1) }],
        nodes: [node('GlobalMaxPool', ['x'])],
      }),
    );
  });
}

interface ReduceCase {
  name: string;
  /** undefined: no axes (reduce everything) */
  axes?: number[];
  keepdims: number;
}

const reduceCases: ReduceCase[] = [
  { name: 'spatial axes, keepdims 1', axes: [2, 3], keepdims: 1 },
  { name: 'negative axis, keepdims 0', axes: [-1], keepdims: 0 },
  { name: 'channel and last axes, keepdims 0', axes: [1, -1], keepdims: 0 },
  // The batch axis is reduced too: the mean's count depends on the run-time batch.
  { name: 'batch and height axes, keepdims 1', axes: [0, 2], keepdims: 1 },
  { name: 'all axes by default, keepdims 1', keepdims: 1 },
];

/** Opset from which the op takes axes as an input instead of an attribute. */
const axesAsInputSince: Record<string, number> = { ReduceSum: 13, ReduceMean: 18 };

for (const [opType, opsets] of [
  ['ReduceSum', [11, 13, 17]],
  ['ReduceMean', [11, 13, 17, 18]],
] as const) {
  for (const opset of opsets) {
    for (const k of reduceCases) {
      test(`${opType} gradient: ${k.name} (opset ${opset})`, async () => {
        const asInput = opset >= axesAsInputSince[opType]!;
        const reduce = node(
          opType,
          asInput && k.axes ? ['x', 'axes'] : ['x'],
          asInput || !k.axes ? { keepdims: k.keepdims } : { keepdims: k.keepdims, axes: k.axes },
        );
        assertMatches(
          await checkGradient({
            opset,
            eps: LINEAR_STEP,
            inputs: [{ name: 'x', dims: [2, 3, 4, 5], values: uniform(120, -1, 1, 1) }],
            nodes: [reduce],
            initializers: asInput && k.axes ? [int64Tensor('axes', [k.axes.length], k.axes)] : [],
          }),
        );
      });
    }
  }
}
