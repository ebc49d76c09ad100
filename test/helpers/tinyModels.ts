// Small hand-built ONNX classifiers for engine and CLI tests.
import { writeFileSync } from 'node:fs';
import { buildModel } from '../../src-main/onnx/modelBuilder.js';
import { encodeModel, floatTensor, makeAttribute, type NodeProto } from '../../src-main/onnx/onnxModel.js';
import { uniform } from './random.js';

/** Conv(3→K, 3×3) → [extra op] → GlobalAveragePool → Flatten → Gemm(K→classes): a CAM archetype. */
export function gapClassifier(opts: { k?: number; classes?: number; size?: number; between?: string; seed?: number } = {}): Uint8Array {
  const k = opts.k ?? 4;
  const classes = opts.classes ?? 3;
  const size = opts.size ?? 16;
  const seed = opts.seed ?? 1;
  const nodes: NodeProto[] = [
    { opType: 'Conv', name: 'conv', input: ['input', 'conv_w', 'conv_b'], output: ['conv_out'], attribute: [makeAttribute('pads', [1, 1, 1, 1])] },
    { opType: 'Relu', name: 'relu', input: ['conv_out'], output: ['features'] },
  ];
  let last = 'features';
  if (opts.between) {
    nodes.push({ opType: opts.between, name: 'extra', input: [last], output: ['extra_out'] });
    last = 'extra_out';
  }
  nodes.push(
    { opType: 'GlobalAveragePool', name: 'gap', input: [last], output: ['pooled'] },
    { opType: 'Flatten', name: 'flatten', input: ['pooled'], output: ['flat'] },
    { opType: 'Gemm', name: 'fc', input: ['flat', 'fc_w', 'fc_b'], output: ['logits'], attribute: [makeAttribute('transB', 1)] },
  );
  return encodeModel(
    buildModel({
      opset: 13,
      inputs: [{ name: 'input', dims: ['N', 3, size, size] }],
      outputs: ['logits'],
      nodes,
      initializers: [
        floatTensor('conv_w', [k, 3, 3, 3], uniform(k * 27, -0.5, 0.5, seed)),
        floatTensor('conv_b', [k], uniform(k, -0.1, 0.1, seed + 1)),
        floatTensor('fc_w', [classes, k], uniform(classes * k, -1, 1, seed + 2)),
        floatTensor('fc_b', [classes], uniform(classes, -0.1, 0.1, seed + 3)),
      ],
      metadata: { 'camscope.preprocessing': JSON.stringify({ size: [size, size], mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }) },
    }),
  );
}

/** Flatten → MatMul: a classifier with no 4-D feature map. */
export function mlpClassifier(): Uint8Array {
  return encodeModel(
    buildModel({
      opset: 13,
      inputs: [{ name: 'input', dims: ['N', 3, 4, 4] }],
      outputs: ['logits'],
      nodes: [
        { opType: 'Flatten', input: ['input'], output: ['flat'] },
        { opType: 'MatMul', input: ['flat', 'w'], output: ['logits'] },
      ],
      initializers: [floatTensor('w', [48, 3], uniform(144, -1, 1, 3))],
    }),
  );
}

export function writeModel(path: string, bytes: Uint8Array): string {
  writeFileSync(path, bytes);
  return path;
}
