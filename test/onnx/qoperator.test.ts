// QOperator ops rewritten as DequantizeLinear → float op → QuantizeLinear give what ONNX Runtime's own
// integer kernels give (onnxruntime-node ships the com.microsoft ones): each op on a small graph
// float → QuantizeLinear → op → DequantizeLinear, run before and after the rewrite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { dequantizeQOperators } from '../../src-main/onnx/qoperator.js';
import { buildModel } from '../../src-main/onnx/modelBuilder.js';
import {
  type AttrValue,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  encodeModel,
  floatTensor,
  makeAttribute,
  onnx,
} from '../../src-main/onnx/onnxModel.js';
import { uniform } from '../helpers/random.js';

const DT = onnx.TensorProto.DataType;
const bytes = (name: string, dims: number[], dataType: number, values: number[]): TensorProto => {
  const a = dataType === DT.INT8 ? Int8Array.from(values) : dataType === DT.INT32 ? Int32Array.from(values) : Uint8Array.from(values);
  return { name, dims, dataType, rawData: new Uint8Array(a.buffer) };
};
const scalars = [
  floatTensor('sa', [], [0.02]),
  bytes('za', [], DT.UINT8, [128]),
  floatTensor('sb', [], [0.03]),
  bytes('zb', [], DT.UINT8, [100]),
  floatTensor('sy', [], [0.05]),
  bytes('zy', [], DT.UINT8, [120]),
  floatTensor('sy0', [], [0.05]),
  bytes('zy0', [], DT.UINT8, [0]),
];

function op(opType: string, input: string[], output: string, attrs: Record<string, AttrValue> = {}, domain = 'com.microsoft'): NodeProto {
  return { opType, domain, input, output: [output], attribute: Object.entries(attrs).map(([k, v]) => makeAttribute(k, v)) };
}

/** x [1, 4, 3, 3] and a second input z of the same shape, quantized; `node` reads qa / qb and writes qy. */
function graph(node: NodeProto, extra: TensorProto[] = [], outScale = ['sy', 'zy']): ModelProto {
  const m = buildModel({
    opset: 13,
    inputs: [
      { name: 'x', dims: [1, 4, 3, 3] },
      { name: 'z', dims: [1, 4, 3, 3] },
    ],
    outputs: ['y'],
    nodes: [
      op('QuantizeLinear', ['x', 'sa', 'za'], 'qa', {}, ''),
      op('QuantizeLinear', ['z', 'sb', 'zb'], 'qb', {}, ''),
      node,
      op('DequantizeLinear', ['qy', ...outScale], 'y', {}, ''),
    ],
    initializers: [...scalars, ...extra],
  });
  m.opsetImport!.push({ domain: 'com.microsoft', version: 1 });
  return m;
}

async function run(m: ModelProto, feeds: Record<string, ort.Tensor>): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(encodeModel(m), { graphOptimizationLevel: 'disabled' });
  const y = (await s.run(feeds)).y!.data as Float32Array;
  await s.release();
  return y;
}

const w = bytes('w', [4, 4, 1, 1], DT.INT8, Array.from(uniform(16, -100, 100, 3), Math.round));
const cases: { name: string; node: NodeProto; extra?: TensorProto[]; outScale?: string[] }[] = [
  { name: 'QLinearAdd', node: op('QLinearAdd', ['qa', 'sa', 'za', 'qb', 'sb', 'zb', 'sy', 'zy'], 'qy') },
  { name: 'QLinearMul', node: op('QLinearMul', ['qa', 'sa', 'za', 'qb', 'sb', 'zb', 'sy', 'zy'], 'qy') },
  { name: 'QLinearGlobalAveragePool', node: op('QLinearGlobalAveragePool', ['qa', 'sa', 'za', 'sy', 'zy'], 'qy', { channels_last: 0 }) },
  { name: 'QLinearAveragePool', node: op('QLinearAveragePool', ['qa', 'sa', 'za', 'sy', 'zy'], 'qy', { kernel_shape: [2, 2], pads: [1, 1, 0, 0] }) },
  { name: 'QLinearLeakyRelu', node: op('QLinearLeakyRelu', ['qa', 'sa', 'za', 'sy', 'zy'], 'qy', { alpha: { float: 0.1 } }) },
  { name: 'QLinearSigmoid', node: op('QLinearSigmoid', ['qa', 'sa', 'za', 'sy', 'zy'], 'qy') },
  { name: 'QLinearConcat', node: op('QLinearConcat', ['sy', 'zy', 'qa', 'sa', 'za', 'qb', 'sb', 'zb'], 'qy', { axis: 1 }) },
  {
    name: 'QLinearConv, int32 bias, per-channel weights, fused ReLU (zero point 0)',
    node: op('QLinearConv', ['qa', 'sa', 'za', 'w', 'sw', 'zw', 'sy0', 'zy0', 'b'], 'qy', {}, ''),
    extra: [
      w,
      floatTensor('sw', [4], [0.01, 0.02, 0.005, 0.03]),
      bytes('zw', [4], DT.INT8, [0, 0, 0, 0]),
      bytes('b', [4], DT.INT32, [100, -2000, 50, 0]),
    ],
    outScale: ['sy0', 'zy0'],
  },
];

for (const k of cases) {
  test(`${k.name} rewritten as float ops between quantizers computes what ONNX Runtime's kernel computes`, async () => {
    const original = graph(k.node, k.extra, k.outScale);
    const rewritten = onnx.ModelProto.decode(encodeModel(original));
    assert.equal(dequantizeQOperators(rewritten, 'q.onnx').length, 1);
    assert.ok(!rewritten.graph!.node!.some((n) => n.domain === 'com.microsoft'));
    assert.ok(!rewritten.opsetImport!.some((o) => o.domain === 'com.microsoft'), 'the com.microsoft import is dropped');
    const feeds = {
      x: new ort.Tensor('float32', uniform(36, -2.5, 2.5, 1), [1, 4, 3, 3]),
      z: new ort.Tensor('float32', uniform(36, -3, 4, 2), [1, 4, 3, 3]),
    };
    const [expected, actual] = [await run(original, feeds), await run(rewritten, feeds)];
    assert.equal(actual.length, expected.length);
    // Integer kernels may round a value that falls on a half step the other way: one output step at most.
    const step = 0.05 + 1e-6;
    actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) <= step, `y[${i}] = ${v}, ONNX Runtime ${expected[i]}`));
    const exact = actual.filter((v, i) => v === expected[i]).length;
    assert.ok(exact >= actual.length * 0.9, `${exact} of ${actual.length} values identical`);
  });
}

test('QGemm (int8 B transposed, int32 bias, float output) rewritten as Gemm computes what ONNX Runtime computes', async () => {
  const m = buildModel({
    opset: 13,
    inputs: [{ name: 'x', dims: [2, 4] }],
    outputs: ['y'],
    nodes: [op('QuantizeLinear', ['x', 'sa', 'za'], 'qa', {}, ''), op('QGemm', ['qa', 'sa', 'za', 'wq', 'sw', 'zw', 'b'], 'y', { transB: 1 })],
    initializers: [
      ...scalars,
      bytes('wq', [3, 4], DT.INT8, [10, -20, 30, 5, 0, -5, 7, 8, 9, -1, -2, -3]),
      floatTensor('sw', [], [0.01]),
      bytes('zw', [], DT.INT8, [0]),
      bytes('b', [3], DT.INT32, [100, -50, 0]),
    ],
  });
  m.opsetImport!.push({ domain: 'com.microsoft', version: 1 });
  const rewritten = onnx.ModelProto.decode(encodeModel(m));
  dequantizeQOperators(rewritten, 'q.onnx');
  const feeds = { x: new ort.Tensor('float32', uniform(8, -2, 2, 5), [2, 4]) };
  const [expected, actual] = [await run(m, feeds), await run(rewritten, feeds)];
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) <= 1e-5, `y[${i}] = ${v}, ONNX Runtime ${expected[i]}`));
});
