// Writes the camified model: the source graph up to the chosen layer (nodes the layer does not depend on
// are pruned) → [conv-gap head: Conv 3×3 (pad 1) → ReLU, the map CAM explains] → GlobalAveragePool → Flatten →
// Gemm(W, b) → `logits`, keeping the input, opset and metadata.
import type { ClassifierModel } from '../model/classifierModel.js';
import { floatValueInfo } from '../onnx/gradientGraph.js';
import { type ModelProto, cloneModel, floatTensor, makeAttribute } from '../onnx/onnxModel.js';
import type { SoftmaxHead } from './softmaxRegression.js';
import type { ConvGapHead } from './convGapFit.js';
import { KERNEL } from './convGapGraph.js';

/** The camified model, and the tensor its CAM explains (the layer for a linear head, the new conv's ReLU for conv-gap). */
export function buildGapHeadModel(
  source: ClassifierModel,
  layer: string,
  head: SoftmaxHead | ConvGapHead,
  metadata: (camLayer: string) => Record<string, string>,
): { model: ModelProto; camLayer: string } {
  const conv = 'convWeights' in head ? head : null;
  const k = conv ? conv.convBias.length : source.shapeOf(layer)![1]!;
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
  let camLayer = layer;
  if (conv) {
    const [weight, bias, out] = [unique('camscope_conv_weight'), unique('camscope_conv_bias'), unique('camscope_conv')];
    camLayer = unique('camscope_cam');
    const channels = conv.convWeights.length / (k * KERNEL * KERNEL);
    graph.node.push(
      {
        opType: 'Conv',
        name: out,
        input: [layer, weight, bias],
        output: [out],
        attribute: [
          makeAttribute('kernel_shape', [KERNEL, KERNEL]),
          makeAttribute('pads', Array(4).fill(conv.dilation ?? 1)),
          ...(conv.dilation && conv.dilation !== 1 ? [makeAttribute('dilations', [conv.dilation, conv.dilation])] : []),
        ],
      },
      { opType: 'Relu', name: camLayer, input: [out], output: [camLayer] },
    );
    graph.initializer.push(floatTensor(weight, [k, channels, KERNEL, KERNEL], conv.convWeights), floatTensor(bias, [k], conv.convBias));
  }
  const pooled = unique('camscope_gap');
  const flat = unique('camscope_gap_flat');
  const weights = unique('camscope_head_weight');
  const bias = unique('camscope_head_bias');
  const logits = unique('logits');
  graph.node.push(
    { opType: 'GlobalAveragePool', name: pooled, input: [camLayer], output: [pooled] },
    { opType: 'Flatten', name: flat, input: [pooled], output: [flat], attribute: [makeAttribute('axis', 1)] },
    { opType: 'Gemm', name: logits, input: [flat, weights, bias], output: [logits], attribute: [makeAttribute('transB', 1)] },
  );
  graph.initializer.push(floatTensor(weights, [classes, k], head.weights), floatTensor(bias, [classes], head.bias));
  const batch = source.inputDims[0]!;
  graph.output = [floatValueInfo(logits, [typeof batch === 'number' ? batch : batch === '?' ? 'N' : batch, classes])];

  const entries = metadata(camLayer);
  const kept = (model.metadataProps ?? []).filter((p) => p.key && !(p.key in entries));
  model.metadataProps = [...kept, ...Object.entries(entries).map(([key, value]) => ({ key, value }))];
  model.producerName = 'camscope camify';
  return { model, camLayer };
}
