import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkGradient } from '../helpers/finiteDifference.js';
import { uniform } from '../helpers/random.js';
import { type AttrValue, type NodeProto, floatTensor, makeAttribute } from '../../src-main/onnx/onnxModel.js';

interface ConvCase {
  name: string;
  x: number[];
  w: number[];
  attrs: Record<string, AttrValue>;
  /** Bias as a graph input, so its gradient is checked too. */
  biasInput?: boolean;
}

const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
/** Conv is linear in x, so a large finite-difference step is exact and cuts float32 rounding noise. */
const LINEAR_STEP = 1e-2;

const cases: ConvCase[] = [
  { name: '3×3, pad 1, bias on the path', x: [2, 3, 5, 5], w: [4, 3, 3, 3], attrs: { pads: [1, 1, 1, 1] }, biasInput: true },
  // H: (7 + 1 − 3)/2 floors, so the last input row is in no window (output_padding 1); W fits exactly.
  { name: 'stride 2, asymmetric pads', x: [1, 2, 7, 6], w: [3, 2, 3, 3], attrs: { strides: [2, 2], pads: [0, 1, 1, 0] } },
  { name: 'dilation 2, asymmetric pads', x: [1, 2, 7, 7], w: [2, 2, 3, 3], attrs: { dilations: [2, 2], pads: [1, 2, 1, 0] } },
  { name: 'group 2, stride 2', x: [1, 4, 5, 5], w: [6, 2, 3, 3], attrs: { group: 2, strides: [2, 2], pads: [1, 1, 1, 1] } },
  { name: 'depthwise, stride 2', x: [1, 3, 6, 6], w: [3, 1, 3, 3], attrs: { group: 3, strides: [2, 2], pads: [1, 1, 1, 1] } },
  { name: '1×1, stride 2', x: [2, 4, 5, 5], w: [3, 4, 1, 1], attrs: { strides: [2, 2] } },
  { name: 'auto_pad SAME_UPPER, stride 2', x: [1, 2, 6, 7], w: [2, 2, 3, 3], attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] } },
  { name: 'auto_pad SAME_LOWER, 4×4 kernel', x: [1, 2, 6, 7], w: [2, 2, 4, 4], attrs: { auto_pad: 'SAME_LOWER', strides: [1, 2] } },
  { name: 'auto_pad VALID, stride 2', x: [1, 2, 8, 7], w: [3, 2, 3, 3], attrs: { auto_pad: 'VALID', strides: [2, 2] } },
  // Kernel smaller than stride: ONNX Runtime's SAME padding comes out negative at the tail.
  { name: 'auto_pad SAME_UPPER, 1×1 stride 2', x: [1, 2, 6, 6], w: [3, 2, 1, 1], attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] } },
  { name: '1-D, stride 2', x: [2, 3, 10], w: [2, 3, 3], attrs: { strides: [2], pads: [1, 0] } },
  { name: '3-D, stride 2', x: [1, 2, 4, 4, 4], w: [2, 2, 2, 2, 2], attrs: { strides: [2, 2, 2], pads: [1, 0, 1, 0, 1, 0] } },
];

for (const opset of [13, 17]) {
  for (const k of cases) {
    test(`Conv gradient: ${k.name} (opset ${opset})`, async () => {
      const bias = uniform(k.w[0]!, -1, 1, 3);
      const node: NodeProto = {
        opType: 'Conv',
        input: ['x', 'w', 'b'],
        output: ['y'],
        attribute: Object.entries(k.attrs).map(([name, v]) => makeAttribute(name, v)),
      };
      const r = await checkGradient({
        opset,
        eps: LINEAR_STEP,
        inputs: [
          { name: 'x', dims: k.x, values: uniform(size(k.x), -1, 1, 1) },
          ...(k.biasInput ? [{ name: 'b', dims: [k.w[0]!], values: bias }] : []),
        ],
        nodes: [node],
        initializers: [floatTensor('w', k.w, uniform(size(k.w), -1, 1, 2)), ...(k.biasInput ? [] : [floatTensor('b', [k.w[0]!], bias)])],
      });
      assert.ok(r.maxAbsGrad > 0, 'gradient is not identically zero');
      assert.ok(r.relError <= 1e-3, `relative error ${r.relError}`);
    });
  }
}
