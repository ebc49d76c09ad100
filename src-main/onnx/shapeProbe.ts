// Learns every tensor's static shape by running the model once with all tensors exposed as outputs.
import * as ort from 'onnxruntime-node';
import { type DecodedTensor, GraphIndex, type ModelProto, cloneModel, encodeModel, onnx } from './onnxModel.js';

export interface ProbeResult {
  shapes: Map<string, number[]>;
  /** ONNX Runtime element type of each tensor ('float32', 'int8', …). */
  types: Map<string, string>;
  /** Op type of the node producing each tensor. */
  producers: Map<string, string>;
  /** Batch size the probe ran at (2 for dynamic batch, so broadcasting over N is visible). */
  batch: number;
  /**
   * Small integer tensors computed at run time (shape arithmetic) whose values do not depend on the
   * batch size: with them, rules can treat e.g. a Slice's computed starts as constants.
   */
  values: Map<string, DecodedTensor>;
}

/** Integer tensors up to this many elements are recorded as probe values. */
const MAX_VALUE_SIZE = 64;

/**
 * Runs the model on `feeds` with every tensor exposed. With `otherBatchFeeds` (the same input at
 * another batch size) it runs again, so only batch-independent integer values are kept.
 */
export async function probeShapes(
  model: ModelProto,
  feeds: Record<string, ort.Tensor>,
  otherBatchFeeds?: Record<string, ort.Tensor>,
): Promise<ProbeResult> {
  const copy = cloneModel(model);
  const graph = copy.graph!;
  const index = new GraphIndex(graph);
  const existing = new Set((graph.output ?? []).map((o) => o.name));
  const producers = new Map<string, string>();
  const extra: string[] = [];
  for (const n of index.nodes) {
    for (const o of n.output ?? []) {
      if (!o) continue;
      producers.set(o, n.opType ?? '');
      if (!existing.has(o)) extra.push(o);
    }
  }
  // Exposed outputs need a declared element type; keep the model's own value_info types where known.
  const typeOf = new Map<string, number>();
  for (const v of [...(graph.valueInfo ?? []), ...(graph.output ?? [])]) {
    const t = v.type?.tensorType?.elemType;
    if (v.name && t) typeOf.set(v.name, t);
  }
  graph.output = [
    ...(graph.output ?? []),
    ...extra.map((name) => {
      const elemType = typeOf.get(name);
      return elemType ? { name, type: { tensorType: { elemType } } } : { name };
    }),
  ];
  const session = await ort.InferenceSession.create(encodeModel(copy), { graphOptimizationLevel: 'disabled' });
  try {
    const result = await session.run(feeds);
    const other = otherBatchFeeds ? await session.run(otherBatchFeeds) : null;
    const shapes = new Map<string, number[]>();
    const values = new Map<string, DecodedTensor>();
    const types = new Map<string, string>();
    for (const [name, t] of Object.entries(result)) {
      shapes.set(name, [...t.dims]);
      types.set(name, t.type);
      if ((t.type === 'int64' || t.type === 'int32') && t.size <= MAX_VALUE_SIZE) {
        const v = Array.from(t.data as ArrayLike<number | bigint>, Number);
        const w = other?.[name] ? Array.from(other[name]!.data as ArrayLike<number | bigint>, Number) : v;
        if (v.length === w.length && v.every((x, i) => x === w[i])) {
          values.set(name, { dims: [...t.dims], dataType: onnx.TensorProto.DataType.INT64, data: v });
        }
      }
    }
    for (const [name, t] of Object.entries(feeds)) {
      shapes.set(name, [...t.dims]);
      types.set(name, t.type);
    }
    const batch = Object.values(feeds)[0]?.dims[0] ?? 1;
    return { shapes, types, producers, batch, values };
  } finally {
    await session.release();
  }
}
