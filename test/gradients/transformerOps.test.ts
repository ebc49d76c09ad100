// Gradients of the ops vision-transformer exports contain, against central finite differences: class-token
// Gather, GatherElements, Where, Tile, ScatterND, Range-built indices, torch.roll (Slice + Concat), window
// partition (Reshape/Transpose), the opset-14 LayerNorm decomposition, attention (q·kᵀ of two run-time
// tensors, Softmax, batch-broadcast MatMul) and Swin's ratio-0 Dropout in training mode.
import { type TestContext, test } from 'node:test';
import assert from 'node:assert/strict';
import { type GradientCase, checkGradient } from '../helpers/finiteDifference.js';
import { uniform } from '../helpers/random.js';
import { type AttrValue, type NodeProto, floatTensor, int64Tensor, makeAttribute, onnx } from '../../src-main/onnx/onnxModel.js';

function node(opType: string, input: string[], output: string[], attrs: Record<string, AttrValue> = {}): NodeProto {
  return { opType, input, output, attribute: Object.entries(attrs).map(([k, v]) => makeAttribute(k, v)) };
}
const ints = (name: string, values: number[], dims = [values.length]) => int64Tensor(name, dims, values);
const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
const input = (dims: number[], seed: number, name = 'x') => ({ name, dims, values: uniform(size(dims), -2, 2, seed) });

async function expectGradient(t: TestContext, c: GradientCase, tolerance = 1e-3): Promise<void> {
  const r = await checkGradient({ eps: 1e-2, ...c });
  t.diagnostic(`relative error ${r.relError.toExponential(2)} over ${r.checked} values`);
  assert.ok(r.maxAbsGrad > 0, 'gradient is not identically zero');
  assert.ok(r.relError <= tolerance, `relative error ${r.relError}`);
}

for (const opset of [13, 17]) {
  test(`Gather of the class token x[:, 0] (scalar index) (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [input([2, 5, 3], 1)],
      nodes: [node('Gather', ['x', 'idx'], ['y'], { axis: 1 })],
      initializers: [int64Tensor('idx', [], [0])],
    }));

  test(`Gather with 2-D indices, negative and repeated (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [input([2, 3, 4], 2)],
      nodes: [node('Gather', ['x', 'idx'], ['y'], { axis: 2 })],
      initializers: [ints('idx', [0, -1, 1, 0], [2, 2])],
    }));

  test(`Gather along axis 0 of a non-batch tensor (Swin's q, k, v = qkv[0], qkv[1], qkv[2]) (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [input([2, 3, 4], 3)],
      nodes: [
        node('Transpose', ['x'], ['xt'], { perm: [1, 0, 2] }),
        node('Gather', ['xt', 'idx'], ['g'], { axis: 0 }),
        node('Mul', ['g', 'g'], ['y']),
      ],
      initializers: [int64Tensor('idx', [], [2])],
    }));

  test(`Gather with indices built by Range from shapes (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [input([2, 5, 3], 4)],
      nodes: [
        node('Shape', ['x'], ['s']),
        node('Gather', ['s', 'one'], ['t'], { axis: 0 }),
        node('Range', ['start', 't', 'two'], ['r']),
        node('Gather', ['x', 'r'], ['y'], { axis: 1 }),
      ],
      initializers: [int64Tensor('one', [], [1]), int64Tensor('start', [], [1]), int64Tensor('two', [], [2])],
    }));

  test(`Where with a broadcast condition, both branches on the path (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [input([2, 3, 4], 5), input([1, 4], 6, 'b')],
      nodes: [node('Greater', ['x', 'zero'], ['cond']), node('Where', ['cond', 'x', 'b'], ['y'])],
      initializers: [floatTensor('zero', [], [0])],
    }));

  test(`Tile with constant repeats, batch axis untiled (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [input([2, 2, 3], 7)],
      nodes: [node('Tile', ['x', 'reps'], ['y'])],
      initializers: [ints('reps', [1, 3, 2])],
    }));

  test(`ScatterND: gradients of the data and of the updates (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [input([2, 4, 3], 8), input([2, 3], 9, 'u')],
      nodes: [node('ScatterND', ['x', 'idx', 'u'], ['y'])],
      initializers: [ints('idx', [0, 1, 1, 3], [2, 2])],
    }));

  test(`torch.roll(x, 1, dim=2): Slice + Concat (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [input([2, 3, 4, 2], 10)],
      nodes: [
        node('Slice', ['x', 'sLast', 'eLast', 'ax'], ['tail']),
        node('Slice', ['x', 'sFirst', 'eFirst', 'ax'], ['head']),
        node('Concat', ['tail', 'head'], ['y'], { axis: 2 }),
      ],
      initializers: [ints('sLast', [-1]), ints('eLast', [4]), ints('sFirst', [0]), ints('eFirst', [-1]), ints('ax', [2])],
    }));

  test(`Swin window partition and merge: Reshape/Transpose through [N·windows, ws·ws, C] (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [input([2, 4, 4, 3], 11)],
      nodes: [
        node('Reshape', ['x', 'split'], ['a']),
        node('Transpose', ['a'], ['b'], { perm: [0, 1, 3, 2, 4, 5] }),
        node('Reshape', ['b', 'windows'], ['w']),
        node('Mul', ['w', 'scale'], ['ws']),
        node('Reshape', ['ws', 'split2'], ['c']),
        node('Transpose', ['c'], ['d'], { perm: [0, 1, 3, 2, 4, 5] }),
        node('Reshape', ['d', 'merged'], ['y']),
      ],
      initializers: [
        ints('split', [2, 2, 2, 2, 2, 3]),
        ints('windows', [8, 4, 3]),
        floatTensor('scale', [4, 3], uniform(12, 0.5, 1.5, 12)),
        ints('split2', [2, 2, 2, 2, 2, 3]),
        ints('merged', [2, 4, 4, 3]),
      ],
    }));

  test(`Attention: softmax(q·kᵀ/√d)·v with q, k, v from one input, heads broadcast (opset ${opset})`, (t) =>
    expectGradient(
      t,
      {
        opset,
        inputs: [input([2, 2, 5, 4], 13)],
        nodes: [
          node('MatMul', ['x', 'wq'], ['q']),
          node('MatMul', ['x', 'wk'], ['k']),
          node('MatMul', ['x', 'wv'], ['v']),
          node('Transpose', ['k'], ['kt'], { perm: [0, 1, 3, 2] }),
          node('MatMul', ['q', 'kt'], ['s']),
          node('Div', ['s', 'sqrtd'], ['sd']),
          node('Add', ['sd', 'bias'], ['sb']),
          node('Softmax', ['sb'], ['p'], { axis: -1 }),
          node('MatMul', ['p', 'v'], ['y']),
        ],
        initializers: [
          floatTensor('wq', [4, 4], uniform(16, -1, 1, 14)),
          floatTensor('wk', [4, 4], uniform(16, -1, 1, 15)),
          floatTensor('wv', [4, 4], uniform(16, -1, 1, 16)),
          floatTensor('sqrtd', [], [2]),
          // A relative-position bias per head, broadcast over the batch (Swin).
          floatTensor('bias', [2, 5, 5], uniform(50, -1, 1, 17)),
        ],
        eps: 1e-3,
      },
      2e-3,
    ));

  test(`MatMul broadcasting batch axes on both sides [2,1,3,4]·[1,2,4,3] (opset ${opset})`, (t) =>
    expectGradient(t, {
      opset,
      inputs: [input([2, 1, 3, 4], 18, 'a'), input([1, 2, 4, 3], 19, 'b')],
      nodes: [node('MatMul', ['a', 'b'], ['y'])],
    }));
}

// torch 1.13's LayerNorm below opset 17: (x − mean) / sqrt(mean((x − mean)²) + ε) · γ + β.
for (const opset of [13, 14]) {
  test(`LayerNorm decomposed as ReduceMean/Sub/Pow/Add/Sqrt/Div/Mul/Add on [N, T, C] (opset ${opset})`, (t) =>
    expectGradient(
      t,
      {
        opset,
        inputs: [input([2, 3, 6], 20)],
        nodes: [
          node('ReduceMean', ['x'], ['m'], { axes: [-1] }),
          node('Sub', ['x', 'm'], ['d']),
          node('Pow', ['d', 'two'], ['d2']),
          node('ReduceMean', ['d2'], ['v'], { axes: [-1] }),
          node('Add', ['v', 'eps'], ['ve']),
          node('Sqrt', ['ve'], ['sd']),
          node('Div', ['d', 'sd'], ['n']),
          node('Mul', ['n', 'gamma'], ['ng']),
          node('Add', ['ng', 'beta'], ['y']),
        ],
        initializers: [
          floatTensor('two', [], [2]),
          floatTensor('eps', [], [1e-5]),
          floatTensor('gamma', [6], uniform(6, 0.5, 1.5, 21)),
          floatTensor('beta', [6], uniform(6, -1, 1, 22)),
        ],
        eps: 1e-3,
      },
      2e-3,
    ));
}

test('GatherElements with repeated indices (opset 17: ScatterElements with reduction add)', (t) =>
  expectGradient(t, {
    opset: 17,
    inputs: [input([2, 3, 4], 23)],
    nodes: [node('GatherElements', ['x', 'idx'], ['y'], { axis: 2 })],
    initializers: [ints('idx', [0, 0, 3, 1, 2, 2, 1, 0, 3, 3, 3, 2, 1, 0, 0, 2, 1, 1], [2, 3, 3])],
  }));

test('GatherElements with repeated indices is refused before opset 16; distinct ones are differentiated', async (t) => {
  await assert.rejects(
    checkGradient({
      opset: 13,
      inputs: [input([2, 3, 4], 24)],
      nodes: [node('GatherElements', ['x', 'idx'], ['y'], { axis: 2 })],
      initializers: [ints('idx', new Array<number>(12).fill(0), [2, 3, 2])],
    }),
    /repeated indices need opset 16/,
  );
  await expectGradient(t, {
    opset: 13,
    inputs: [input([2, 3, 4], 25)],
    nodes: [node('GatherElements', ['x', 'idx'], ['y'], { axis: 2 })],
    initializers: [
      ints(
        'idx',
        Array.from({ length: 12 }, (_, i) => (i % 2 ? 3 : 1)),
        [2, 3, 2],
      ),
    ],
  });
});

test('Dropout with training_mode true and ratio 0 (torchvision Swin) is the identity', (t) =>
  expectGradient(t, {
    opset: 17,
    inputs: [input([2, 3, 4], 26)],
    nodes: [node('Dropout', ['x', 'ratio', 'training'], ['y', 'mask'])],
    initializers: [
      floatTensor('ratio', [], [0]),
      { name: 'training', dims: [], dataType: onnx.TensorProto.DataType.BOOL, rawData: Uint8Array.of(1) },
    ],
  }));
