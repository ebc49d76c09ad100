// DequantizeLinear of constants folded to float at load, and the straight-through gradient of
// activation quantizers, on small hand-built QDQ graphs whose float values are worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { dequantizeConstants } from '../../src-main/onnx/dequantize.js';
import { buildGradientModel } from '../../src-main/onnx/gradientGraph.js';
import { buildModel } from '../../src-main/onnx/modelBuilder.js';
import {
  type ModelProto,
  type NodeProto,
  type TensorProto,
  GraphIndex,
  encodeModel,
  floatTensor,
  makeAttribute,
  onnx,
} from '../../src-main/onnx/onnxModel.js';
import { probeShapes } from '../../src-main/onnx/shapeProbe.js';
import { ClassifierModel } from '../../src-main/model/classifierModel.js';
import { camHeadAt } from '../../src-main/model/camHead.js';
import { CamscopeError } from '../../src-main/errors.js';
import { writeModel } from '../helpers/tinyModels.js';

const DT = onnx.TensorProto.DataType;

function intTensor(name: string, dims: number[], dataType: number, values: number[]): TensorProto {
  const Array_ = { [DT.INT8]: Int8Array, [DT.UINT8]: Uint8Array, [DT.INT32]: Int32Array }[dataType]!;
  const a = Array_.from(values);
  return { name, dims, dataType, rawData: new Uint8Array(a.buffer) };
}

const node = (opType: string, input: string[], output: string, attrs: Record<string, number> = {}): NodeProto => ({
  opType,
  name: output,
  input,
  output: [output],
  attribute: Object.entries(attrs).map(([k, v]) => makeAttribute(k, v)),
});

/**
 * input [N,3,4,4] → Conv 1×1 (int8 weights, per-channel scales [0.01, 0.02] on axis 0; int32 bias, scale
 * 0.001) → Relu 'features' → QuantizeLinear/DequantizeLinear (uint8, scale 0.05: range [0, 12.75]) →
 * GlobalAveragePool → Flatten → Gemm (uint8 weights, zero point 128, scale 0.1) → logits.
 * Dequantized by hand:
 *   conv W = [[0.1, −0.2, 0.3], [0.1, 0, −0.1]]   conv b = [0.1, −0.05]
 *   fc W  = [[1, −1], [0, 2], [−2.8, 0]]
 */
function qdqModel(opts: { weightQuantizedAsFloat?: boolean; blockSize?: boolean } = {}): ModelProto {
  const scalar = (name: string, v: number) => floatTensor(name, [], [v]);
  const initializers: TensorProto[] = [
    intTensor('conv_w_q', [2, 3, 1, 1], DT.INT8, [10, -20, 30, 5, 0, -5]),
    floatTensor('conv_w_scale', [2], [0.01, 0.02]),
    intTensor('conv_w_zp', [2], DT.INT8, [0, 0]),
    intTensor('conv_b_q', [2], DT.INT32, [100, -50]),
    scalar('conv_b_scale', 0.001),
    scalar('act_scale', 0.05),
    intTensor('act_zp', [], DT.UINT8, [0]),
    scalar('fc_w_scale', 0.1),
    intTensor('fc_w_zp', [], DT.UINT8, [128]),
    floatTensor('fc_b', [3], [0.5, 0, -0.5]),
  ];
  const nodes: NodeProto[] = [];
  if (opts.weightQuantizedAsFloat) {
    // A QuantizeLinear of float weights feeding the DequantizeLinear (some converters write this).
    initializers.push(floatTensor('fc_w_float', [3, 2], [1.04, -0.96, 0, 2.01, -2.8, 0.03]));
    nodes.push(node('QuantizeLinear', ['fc_w_float', 'fc_w_scale', 'fc_w_zp'], 'fc_w_q'));
  } else {
    initializers.push(intTensor('fc_w_q', [3, 2], DT.UINT8, [138, 118, 128, 148, 100, 128]));
  }
  nodes.push(
    node('DequantizeLinear', ['conv_w_q', 'conv_w_scale', 'conv_w_zp'], 'conv_w', { axis: 0, ...(opts.blockSize ? { block_size: 2 } : {}) }),
    node('DequantizeLinear', ['conv_b_q', 'conv_b_scale'], 'conv_b'),
    node('DequantizeLinear', ['fc_w_q', 'fc_w_scale', 'fc_w_zp'], 'fc_w'),
    node('Conv', ['input', 'conv_w', 'conv_b'], 'conv_out'),
    node('Relu', ['conv_out'], 'features'),
    node('QuantizeLinear', ['features', 'act_scale', 'act_zp'], 'features_q'),
    node('DequantizeLinear', ['features_q', 'act_scale', 'act_zp'], 'features_dq'),
    node('GlobalAveragePool', ['features_dq'], 'pooled'),
    node('Flatten', ['pooled'], 'flat'),
    node('Gemm', ['flat', 'fc_w', 'fc_b'], 'logits', { transB: 1 }),
  );
  return buildModel({ opset: opts.blockSize ? 21 : 13, inputs: [{ name: 'input', dims: ['N', 3, 4, 4] }], outputs: ['logits'], nodes, initializers });
}

const copy = (m: ModelProto) => onnx.ModelProto.decode(encodeModel(m));
const floats = (index: GraphIndex, name: string) => Array.from(index.constant(name)!.data as Float32Array);
const close = (actual: number[], expected: number[], what: string) =>
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-6, `${what}[${i}] = ${v}, expected ${expected[i]}`));

/** An input whose pixel (0,0) drives channel 0 to 0.1·120 + 0.3·10 + 0.1 = 15.1, above the quantizer's 12.75. */
function input(): Float32Array {
  const x = new Float32Array(48).fill(1);
  x[0] = 120;
  x[32] = 10;
  return x;
}

test('DequantizeLinear of int8 / uint8 / int32 constants, per tensor and per channel, folds to the hand-computed floats', () => {
  const m = copy(qdqModel());
  const q = dequantizeConstants(m, 'qdq.onnx');
  assert.deepEqual(q, { foldedConstants: 3, perChannel: true, activationPairs: 1 });
  const index = new GraphIndex(m.graph!);
  close(floats(index, 'conv_w'), [0.1, -0.2, 0.3, 0.1, 0, -0.1], 'conv W');
  close(floats(index, 'conv_b'), [0.1, -0.05], 'conv b');
  close(floats(index, 'fc_w'), [1, -1, 0, 2, -2.8, 0], 'fc W');
  const ops = index.nodes.map((n) => n.opType);
  assert.deepEqual(ops, ['Conv', 'Relu', 'QuantizeLinear', 'DequantizeLinear', 'GlobalAveragePool', 'Flatten', 'Gemm']);
  assert.ok(!index.initializers.has('conv_w_q'), 'the integer weights are dropped once folded');
});

test('a QuantizeLinear → DequantizeLinear chain of float weights folds to the rounded values', () => {
  const m = copy(qdqModel({ weightQuantizedAsFloat: true }));
  assert.equal(dequantizeConstants(m, 'qdq.onnx').foldedConstants, 3);
  // round(w / 0.1) · 0.1: 1.04 → 1, −0.96 → −1, 2.01 → 2, 0.03 → 0.
  close(floats(new GraphIndex(m.graph!), 'fc_w'), [1, -1, 0, 2, -2.8, 0], 'fc W');
  assert.ok(!m.graph!.node!.some((n) => n.opType === 'QuantizeLinear' && n.output![0] === 'fc_w_q'));
});

test('the folded graph computes what ONNX Runtime computes on the quantized one', async () => {
  const original = qdqModel();
  const folded = copy(original);
  dequantizeConstants(folded, 'qdq.onnx');
  const feeds = { input: new ort.Tensor('float32', input(), [1, 3, 4, 4]) };
  const run = async (m: ModelProto) => {
    const s = await ort.InferenceSession.create(encodeModel(m), { graphOptimizationLevel: 'disabled' });
    const out = Array.from((await s.run(feeds)).logits!.data as Float32Array);
    await s.release();
    return out;
  };
  close(await run(folded), await run(original), 'logits');
});

test('CAM reads the classifier weights through the folding; integer tensors are no candidate layers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-qdq-'));
  const model = await ClassifierModel.open(writeModel(join(dir, 'qdq.onnx'), encodeModel(qdqModel())));
  assert.ok(!model.candidateTensors().includes('features_q'));
  assert.equal(model.defaultLayer(), 'features');
  const head = camHeadAt(model, 'features');
  assert.ok(head.ok, head.ok ? '' : head.reason);
  close(Array.from(head.weights), [1, -1, 0, 2, -2.8, 0], 'CAM weights');
  close(Array.from(head.bias), [0.5, 0, -0.5], 'CAM bias');
});

test('gradients pass an activation QuantizeLinear → DequantizeLinear pair straight through, zero where it saturates', async () => {
  const m = copy(qdqModel());
  dequantizeConstants(m, 'qdq.onnx');
  const feeds = { input: new ort.Tensor('float32', input(), [1, 3, 4, 4]) };
  const probe = await probeShapes(m, feeds);
  const g = buildGradientModel(m, probe.shapes, ['features'], 'logits');
  const s = await ort.InferenceSession.create(encodeModel(g.model));
  // Seed: class 0, whose weights are fc W[0] = [1, −1].
  const out = await s.run({ ...feeds, [g.seedInput]: new ort.Tensor('float32', Float32Array.of(1, 0, 0), [1, 3]) });
  const grad = Array.from(out[g.gradientOutputs.get('features')!]!.data as Float32Array);
  await s.release();
  // d logit_0 / d features[k, p] = W[0, k] / 16 inside the quantizer's range; pixel 0 of channel 0 saturates.
  const expected = [...Array<number>(16).fill(1 / 16), ...Array<number>(16).fill(-1 / 16)];
  expected[0] = 0;
  close(grad, expected, 'gradient');
});

test('blocked quantization of a constant is refused naming the node', () => {
  assert.throws(
    () => dequantizeConstants(copy(qdqModel({ blockSize: true })), 'blocked.onnx'),
    (e: unknown) =>
      e instanceof CamscopeError && e.message === "blocked.onnx: DequantizeLinear node 'conv_w': blocked quantization (block_size) is not supported",
  );
});
