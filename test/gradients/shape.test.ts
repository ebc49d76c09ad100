// Gradients of data-movement ops against central finite differences. Integer parameters (shapes,
// axes, split sizes, slice bounds, pads) are int64 initializers, as exporters write them.
import { type TestContext, test } from 'node:test';
import assert from 'node:assert/strict';
import { type GradientCase, checkGradient } from '../helpers/finiteDifference.js';
import { uniform } from '../helpers/random.js';
import { type AttrValue, type NodeProto, floatTensor, int64Tensor, makeAttribute } from '../../src-main/onnx/onnxModel.js';

function node(opType: string, input: string[], output: string[], attrs: Record<string, AttrValue> = {}): NodeProto {
  return { opType, input, output, attribute: Object.entries(attrs).map(([k, v]) => makeAttribute(k, v)) };
}

const ints = (name: string, values: number[]) => int64Tensor(name, [values.length], values);
const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
const input = (dims: number[], seed: number, name = 'x') => ({ name, dims, values: uniform(size(dims), -2, 2, seed) });

// These ops are linear, so the step size only sets float32 rounding noise: a large one keeps it small.
async function expectGradient(t: TestContext, c: GradientCase): Promise<void> {
  const r = await checkGradient({ eps: 1e-2, ...c });
  t.diagnostic(`relative error ${r.relError.toExponential(2)} over ${r.checked} values`);
  assert.ok(r.maxAbsGrad > 0, 'gradient is not identically zero');
  assert.ok(r.relError <= 1e-3, `relative error ${r.relError}`);
}

async function expectRejected(c: GradientCase, message: RegExp): Promise<void> {
  await assert.rejects(checkGradient(c), message);
}

/** A node whose integer list is an attribute before `inputFrom` and an int64 input from it on. */
function withIntParam(opset: number, inputFrom: number, op: string, inputs: string[], name: string, values: number[]) {
  return opset >= inputFrom
    ? { node: node(op, [...inputs, name], ['y']), initializers: [ints(name, values)] }
    : { node: node(op, inputs, ['y'], { [name]: values }), initializers: [] };
}

for (const opset of [11, 13, 17]) {
  test(`Flatten gradient (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [input([2, 3, 2, 2], 1)],
      nodes: [node('Flatten', ['x'], ['y'], { axis: 2 })],
    }));

  test(`Reshape gradient (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [input([2, 3, 4], 2)],
      nodes: [node('Reshape', ['x', 'shape'], ['y'])],
      initializers: [ints('shape', [2, 4, -1])],
    }));

  // Squeeze/Unsqueeze take axes as an attribute before opset 13 and as an input from 13.
  for (const [op, dims, axes] of [
    ['Squeeze', [2, 1, 3, 1], [-1, 1]],
    ['Unsqueeze', [2, 3], [1, -1]],
  ] as [string, number[], number[]][]) {
    test(`${op} gradient, axes ${JSON.stringify(axes)} (opset ${opset})`, (t) => {
      const { node: n, initializers } = withIntParam(opset, 13, op, ['x'], 'axes', axes);
      return expectGradient(t, { opset, inputs: [input(dims, 3)], nodes: [n], initializers });
    });
  }

  for (const [dims, perm] of [
    [[2, 3, 4], undefined],
    [
      [2, 3, 2, 4],
      [0, 2, 3, 1],
    ],
    [
      [2, 3, 4],
      [2, 0, 1],
    ],
  ] as [number[], number[] | undefined][]) {
    test(`Transpose gradient, perm ${JSON.stringify(perm ?? 'reversed')} (opset ${opset})`, (t) =>
      expectGradient(t, {
        opset,
        inputs: [input(dims, 4)],
        nodes: [node('Transpose', ['x'], ['y'], perm ? { perm } : {})],
      }));
  }

  test(`Concat gradient, three inputs on axis 1 (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [input([2, 1, 3], 5, 'a'), input([2, 2, 3], 6, 'b'), input([2, 3, 3], 7, 'c')],
      nodes: [node('Concat', ['a', 'b', 'c'], ['y'], { axis: 1 })],
    }));

  test(`Concat gradient, negative axis with a constant input (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [input([2, 3, 2], 8, 'a'), input([2, 3, 1], 9, 'b')],
      nodes: [node('Concat', ['a', 'k', 'b'], ['y'], { axis: -1 })],
      initializers: [floatTensor('k', [2, 3, 2], uniform(12, -2, 2, 10))],
    }));

  // Unequal parts [1, 3, 2] on axis 1; the middle output is unused, so its gradient is zeros.
  test(`Split gradient, unequal parts with an unused output (opset ${opset})`, (t) => {
    const parts = [1, 3, 2];
    const splitNode =
      opset >= 13
        ? node('Split', ['x', 'split'], ['y0', 'y1', 'y2'], { axis: 1 })
        : node('Split', ['x'], ['y0', 'y1', 'y2'], { axis: 1, split: parts });
    return expectGradient(t, {
      opset,
      inputs: [input([2, 6, 3], 11)],
      nodes: [splitNode, node('Concat', ['y2', 'y0'], ['y'], { axis: 1 })],
      initializers: [ints('split', parts)],
    });
  });

  test(`Split gradient, equal parts on the last axis, one output used (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [input([2, 3, 6], 12)],
      nodes: [node('Split', ['x'], ['y0', 'y', 'y2'], { axis: -1 })],
    }));

  // Negative starts/ends count from the end, ends past the size clamp, negative axes count from the back.
  test(`Slice gradient, negative starts, ends and axes (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [input([2, 4, 5, 3], 13)],
      nodes: [node('Slice', ['x', 'starts', 'ends', 'axes'], ['y'])],
      initializers: [ints('starts', [-4, 1]), ints('ends', [-1, 1000]), ints('axes', [-2, 1])],
    }));

  test(`Slice gradient, axes omitted (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [input([2, 4, 5], 14)],
      nodes: [node('Slice', ['x', 'starts', 'ends'], ['y'])],
      initializers: [ints('starts', [0, 1, 2]), ints('ends', [2, 3, 5])],
    }));

  // Step 2 picks 0, 2, 4 of 5; step −2 from −1 picks 3, 1 of 4; step 1 on the last axis pads.
  test(`Slice gradient, steps 2 and -2 mixed with a unit step (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [input([2, 4, 5, 3], 15)],
      nodes: [node('Slice', ['x', 'starts', 'ends', 'axes', 'steps'], ['y'])],
      initializers: [ints('starts', [0, -1, 1]), ints('ends', [1000, -1000, 3]), ints('axes', [2, 1, 3]), ints('steps', [2, -2, 1])],
    }));

  // Begin and end pads on two axes; the padding value does not reach the input's gradient.
  test(`Pad gradient, begin and end pads (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [input([2, 3, 4], 16)],
      nodes: [node('Pad', ['x', 'pads', 'value'], ['y'])],
      initializers: [ints('pads', [0, 1, 0, 0, 2, 3]), floatTensor('value', [], [0.5])],
    }));

  test(`Pad gradient, reflect mode is rejected (opset ${opset})`, () =>
    expectRejected(
      {
        opset,
        inputs: [input([2, 3, 4], 17)],
        nodes: [node('Pad', ['x', 'pads'], ['y'], { mode: 'reflect' })],
        initializers: [ints('pads', [0, 0, 1, 0, 0, 1])],
      },
      /Pad.*mode 'reflect'/,
    ));

  test(`Pad gradient, negative pads are rejected (opset ${opset})`, () =>
    expectRejected(
      {
        opset,
        inputs: [input([2, 3, 4], 18)],
        nodes: [node('Pad', ['x', 'pads'], ['y'])],
        initializers: [ints('pads', [0, 0, -1, 0, 0, 1])],
      },
      /Pad.*negative pads/,
    ));

  test(`Gather gradient, repeated constant indices (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [input([2, 4, 3], 19)],
      nodes: [node('Gather', ['x', 'idx'], ['y'], { axis: 1 })],
      initializers: [ints('idx', [2, 0, 2])],
    }));

  test(`Gather with indices computed at run time is rejected (opset ${opset})`, () =>
    expectRejected(
      {
        opset,
        inputs: [input([2, 4, 3], 19), input([2], 20, 'v')],
        nodes: [node('ArgMax', ['v'], ['am'], { axis: 0, keepdims: 0 }), node('Gather', ['x', 'am'], ['y'], { axis: 1 })],
        wrt: ['x'],
      },
      /Gather.*indices computed at run time/,
    ));
}

// Opset 18: Split may give only num_outputs; Pad takes the padded axes as an input.
test('Split gradient, num_outputs with an uneven last part (opset 18)', (t) =>
  expectGradient(t, {
    opset: 18,
    inputs: [input([2, 5, 2], 20)],
    nodes: [node('Split', ['x'], ['y0', 'y1', 'y2'], { axis: 1, num_outputs: 3 }), node('Concat', ['y2', 'y0'], ['y'], { axis: 1 })],
  }));

test('Pad gradient, axes input (opset 18)', (t) =>
  expectGradient(t, {
    opset: 18,
    inputs: [input([2, 3, 4], 21)],
    nodes: [node('Pad', ['x', 'pads', '', 'axes'], ['y'])],
    initializers: [ints('pads', [1, 2, 0, 1]), ints('axes', [-1, 1])],
  }));

// Before opset 10 Slice's parameters are attributes; before 11 Pad's pads are.
test('Slice gradient, attributes (opset 9)', (t) =>
  expectGradient(t, {
    opset: 9,
    inputs: [input([2, 4, 5], 22)],
    nodes: [node('Slice', ['x'], ['y'], { starts: [1, -4], ends: [-1, 1000], axes: [2, 1] })],
  }));

test('Pad gradient, pads attribute (opset 10)', (t) =>
  expectGradient(t, {
    opset: 10,
    inputs: [input([2, 3, 4], 23)],
    nodes: [node('Pad', ['x'], ['y'], { pads: [0, 2, 1, 0, 0, 2] })],
  }));
