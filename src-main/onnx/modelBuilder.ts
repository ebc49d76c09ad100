// Builds ONNX models from nodes and initializers (tests, refit heads, probes).
import { type NodeProto, type TensorProto, onnx, type ModelProto } from './onnxModel.js';
import { floatValueInfo } from './gradientGraph.js';

export interface ModelSpec {
  opset: number;
  inputs: { name: string; dims: (number | string)[] }[];
  outputs: string[];
  nodes: NodeProto[];
  initializers?: TensorProto[];
  metadata?: Record<string, string>;
}

export function buildModel(spec: ModelSpec): ModelProto {
  return onnx.ModelProto.create({
    irVersion: spec.opset >= 15 ? 8 : 7,
    producerName: 'camscope',
    opsetImport: [{ domain: '', version: spec.opset }],
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: 'camscope',
      node: spec.nodes,
      initializer: spec.initializers ?? [],
      input: spec.inputs.map((i) => floatValueInfo(i.name, i.dims)),
      output: spec.outputs.map((o) => floatValueInfo(o)),
    },
  });
}
