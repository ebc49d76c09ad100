// The head sub-graph after a layer reproduces the model's logits from that layer's activations, on
// every reference family (skip connections, concatenations, branches) and on hand-built graphs with
// shape arithmetic computed from the image input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassifierModel } from '../../src-main/model/classifierModel.js';
import { ExplainEngine } from '../../src-main/explain/engine.js';
import { buildModel } from '../../src-main/onnx/modelBuilder.js';
import { encodeModel, floatTensor, int64Tensor, makeAttribute, type NodeProto } from '../../src-main/onnx/onnxModel.js';
import { referenceFixtures, referenceInput, relMaxDiff } from '../helpers/referenceFixtures.js';
import { uniform } from '../helpers/random.js';
import { writeModel } from '../helpers/tinyModels.js';

const TOLERANCE = 1e-5;
const dir = mkdtempSync(join(tmpdir(), 'camscope-head-'));

/** Runs the head on each row's activations (and on `copies` replicated copies, batched by 2) and compares with the forward logits. */
async function checkHead(engine: ExplainEngine, input: Float32Array, n: number, layers: string[], copies = 1, backward = false): Promise<void> {
  const model = engine.model;
  const classes = model.numClasses;
  const out = backward
    ? await engine.backward(input, n, layers, Array(n).fill('top1'), { heads: layers })
    : await engine.forward(input, n, layers, { heads: layers });
  for (const layer of layers) {
    const { activations } = out.layers.get(layer)!;
    const per = activations.length / n;
    for (let row = 0; row < n; row++) {
      const a = activations.subarray(row * per, (row + 1) * per);
      const expected = out.logits.subarray(row * classes, (row + 1) * classes);
      const batch = new Float32Array(copies * per);
      for (let c = 0; c < copies; c++) batch.set(a, c * per);
      const logits = await engine.runHead(layer, batch, copies, out, row, 2);
      for (let c = 0; c < copies; c++) {
        const err = relMaxDiff(logits.subarray(c * classes, (c + 1) * classes), expected);
        assert.ok(err <= TOLERANCE, `head after ${layer}, row ${row}, copy ${c}: rel. error ${err}`);
      }
    }
  }
}

const fixtures = referenceFixtures();

test('reference fixtures are present for the head sub-graph', () => {
  assert.ok(fixtures.length >= 2, `found ${fixtures.length} fixtures`);
});

for (const { json, model: file, fixture } of fixtures) {
  test(`${json}: the head sub-graph reproduces the logits at the default, early and mid layers`, async () => {
    const model = await ClassifierModel.open(file);
    const engine = new ExplainEngine(model);
    const layers = fixture.layers.map((l) => l.tensor);
    assert.ok(layers.includes(model.defaultLayer()), 'the default layer is checked');
    assert.ok(
      fixture.layers.some((l) => l.role === 'early'),
      'an early layer is checked',
    );
    // Also layers inside a block, whose head reads tensors from before the layer (skips, branches).
    const inner = model.candidateTensors().filter((t) => engine.headGraph(t).extraInputs.length > 0);
    const picked = fixture.opset === 13 && inner.length ? [inner[0]!, inner[Math.floor(inner.length / 2)]!] : [];
    await checkHead(engine, referenceInput(fixture.input.shape), fixture.input.shape[0], [...new Set([...layers, ...picked])], 3);
    for (const t of picked) {
      const g = engine.headGraph(t);
      assert.ok(
        g.extraInputs.some((x) => x.batched),
        `${t}: its head reads a batched tensor computed before it`,
      );
    }
    await engine.release();
  });
}

test('families with skip connections have inner layers whose heads read earlier tensors', async () => {
  const skip = fixtures.filter((f) => /^(resnet|densenet|googlenet)_op13/.test(f.json));
  for (const { model: file } of skip) {
    const model = await ClassifierModel.open(file);
    const engine = new ExplainEngine(model);
    const early = model.candidateTensors().filter((t) => engine.headGraph(t).extraInputs.length > 0);
    assert.ok(early.length > 0, `${file}: some candidate layer's head has extra inputs`);
    await engine.release();
  }
});

/**
 * input → Conv → c0 → Relu → a → Conv → c1 → Add(c1, c0) → Reshape([N, C, −1]) → ReduceMean → MatMul.
 * The Reshape's shape comes from Shape(input) and Shape(c0): batch-carrying shape arithmetic computed
 * before `a`, and c0 is a skip connection from before `a`.
 */
function shapeArithmeticModel(opset: 13 | 17): Uint8Array {
  const k = 4;
  const shapeNodes: NodeProto[] =
    opset >= 15
      ? [
          { opType: 'Shape', input: ['input'], output: ['nb'], attribute: [makeAttribute('start', 0), makeAttribute('end', 1)] },
          { opType: 'Shape', input: ['c0'], output: ['ch'], attribute: [makeAttribute('start', 1), makeAttribute('end', 2)] },
        ]
      : [
          { opType: 'Shape', input: ['input'], output: ['si'] },
          { opType: 'Gather', input: ['si', 'idx0'], output: ['nb'], attribute: [makeAttribute('axis', 0)] },
          { opType: 'Shape', input: ['c0'], output: ['sc'] },
          { opType: 'Gather', input: ['sc', 'idx1'], output: ['ch'], attribute: [makeAttribute('axis', 0)] },
        ];
  return encodeModel(
    buildModel({
      opset,
      inputs: [{ name: 'input', dims: ['N', 3, 8, 8] }],
      outputs: ['logits'],
      nodes: [
        { opType: 'Conv', input: ['input', 'w0', 'b0'], output: ['c0'], attribute: [makeAttribute('pads', [1, 1, 1, 1])] },
        { opType: 'Relu', input: ['c0'], output: ['a'] },
        { opType: 'Conv', input: ['a', 'w1', 'b1'], output: ['c1'], attribute: [makeAttribute('pads', [1, 1, 1, 1])] },
        { opType: 'Add', input: ['c1', 'c0'], output: ['s'] },
        ...shapeNodes,
        { opType: 'Concat', input: ['nb', 'ch', 'minus1'], output: ['target'], attribute: [makeAttribute('axis', 0)] },
        { opType: 'Reshape', input: ['s', 'target'], output: ['r'] },
        { opType: 'ReduceMean', input: ['r'], output: ['m'], attribute: [makeAttribute('axes', [2]), makeAttribute('keepdims', 0)] },
        { opType: 'MatMul', input: ['m', 'fc'], output: ['logits'] },
      ],
      initializers: [
        floatTensor('w0', [k, 3, 3, 3], uniform(k * 27, -0.5, 0.5, 21)),
        floatTensor('b0', [k], uniform(k, -0.1, 0.1, 22)),
        floatTensor('w1', [k, k, 3, 3], uniform(k * k * 9, -0.5, 0.5, 23)),
        floatTensor('b1', [k], uniform(k, -0.1, 0.1, 24)),
        floatTensor('fc', [k, 3], uniform(k * 3, -1, 1, 25)),
        ...(opset < 15 ? [int64Tensor('idx0', [1], [0]), int64Tensor('idx1', [1], [1])] : []),
        int64Tensor('minus1', [1], [-1]),
      ],
    }),
  );
}

for (const opset of [13, 17] as const) {
  test(`opset ${opset}: shape arithmetic from the image input is rebuilt from the layer's batch; skips are extra inputs`, async () => {
    const file = writeModel(join(dir, `shapes${opset}.onnx`), shapeArithmeticModel(opset));
    const model = await ClassifierModel.open(file);
    const engine = new ExplainEngine(model);
    const g = engine.headGraph('a');
    assert.deepEqual(
      g.extraInputs.map((x) => [x.name, x.batched]),
      [['c0', true]],
      'only the skip connection is fed; Shape outputs are rebuilt or baked',
    );
    const names = new Set((g.model.graph!.node ?? []).flatMap((n) => n.output ?? []));
    assert.ok(!names.has('c0') && !names.has('a'), 'nothing before the layer is recomputed');
    if (opset === 17) {
      const baked = (g.model.graph!.initializer ?? []).map((t) => t.name);
      assert.ok(baked.includes('ch'), 'the batch-independent Shape(c0)[1:2] is baked in as an initializer');
    }
    // 3 copies in head batches of 2 (then 1): the head's batch differs from the forward's.
    await checkHead(engine, uniform(2 * 3 * 64, -2, 2, 9), 2, ['a'], 3);
    await checkHead(engine, uniform(3 * 64, -2, 2, 10), 1, ['a'], 3);
    // The gradient run (shared with gradient methods) exposes the same tensors.
    await checkHead(engine, uniform(2 * 3 * 64, -2, 2, 11), 2, ['a'], 2, true);
    await engine.release();
  });
}
