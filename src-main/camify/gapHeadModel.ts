// Writes the camified model: the source graph up to the chosen layer (nodes the layer does not depend on
// are pruned) → GlobalAveragePool → Flatten → Gemm(W, b) → `logits`, keeping the input, opset and metadata.
import type { ClassifierModel } from '../model/classifierModel.js';
import { floatValueInfo } from '../onnx/gradientGraph.js';
import { type ModelProto, cloneModel, floatTensor, makeAttribute } from '../onnx/onnxModel.js';
import type { SoftmaxHead } from './softmaxRegression.js';

export function buildGapHeadModel(source: ClassifierModel, layer: string, head: SoftmaxHead, metadata: Record<string, string>): ModelProto {
  const k = source.shapeOf(layer)![1]!;
  const classes = head.bias.length;
  if (head.weights.length !== classes * k) throw new Error(`buildGapHeadModel: ${head.weights.length} weights for ${classes} × ${k}`);
  const model = cloneModel(source.model);
  const graph = model.graph!;

  // Keep the layer's ancestors only.
  const needed = new Set([layer]);
  const nodes = [...(graph.node ?? [])].reverse().filter((n) => {
    if (!(n.output ?? []).some((o) => needed.has(o))) return false;
    for (const i of n.input ?? []) if (i) needed.add(i);
    return true;
  });
  graph.node = nodes.reverse();
  graph.initializer = (graph.initializer ?? []).filter((t) => needed.has(t.name ?? ''));
  const initializers = new Set(graph.initializer.map((t) => t.name));
  graph.input = (graph.input ?? []).filter((i) => i.name === source.inputName || initializers.has(i.name));
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => needed.has(v.name ?? ''));

  const taken = new Set([...needed, ...initializers, ...graph.node.flatMap((n) => n.output ?? [])]);
  const unique = (name: string) => {
    let out = name;
    for (let i = 1; taken.has(out); i++) out = `${name}_${i}`;
    taken.add(out);
    return out;
  };
  const pooled = unique('camscope_gap');
  const flat = unique('camscope_gap_flat');
  const weights = unique('camscope_head_weight');
  const bias = unique('camscope_head_bias');
  const logits = unique('logits');
  graph.node.push(
    { opType: 'GlobalAveragePool', name: pooled, input: [layer], output: [pooled] },
    { opType: 'Flatten', name: flat, input: [pooled], output: [flat], attribute: [makeAttribute('axis', 1)] },
    { opType: 'Gemm', name: logits, input: [flat, weights, bias], output: [logits], attribute: [makeAttribute('transB', 1)] },
  );
  graph.initializer.push(floatTensor(weights, [classes, k], head.weights), floatTensor(bias, [classes], head.bias));
  const batch = source.inputDims[0]!;
  graph.output = [floatValueInfo(logits, [typeof batch === 'number' ? batch : batch === '?' ? 'N' : batch, classes])];

  const kept = (model.metadataProps ?? []).filter((p) => p.key && !(p.key in metadata));
  model.metadataProps = [...kept, ...Object.entries(metadata).map(([key, value]) => ({ key, value }))];
  model.producerName = 'camscope camify';
  return model;
}
