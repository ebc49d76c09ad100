// The head of a classifier: the part of its graph from a target tensor A to the logits, as a model
// of its own that takes A (the layer tensor, any layout, symbolic N) as input. Perturbation methods (Ablation-CAM,
// Recipro-CAM) run it on many altered copies of A without re-running the layers before A.
//
// Nodes kept: the ancestors of the logits that depend on A. What they read besides A:
// - initializers and constant-only sub-graphs (Constant → Cast → …) are copied;
// - shape arithmetic (Shape/Size of tensors computed before A, and what is computed from them):
//   a batch-independent Shape/Size value seen by the shape probe is baked in as an initializer
//   (exact at the model's input size); one that carries the batch is rebuilt from Shape(A)[0];
// - any other run-time tensor computed before A (skip connections, the image itself) becomes an
//   extra graph input, which the caller feeds from a forward run of the image, replicated along the
//   batch for every perturbed copy when it carries the batch (`extraInputs[i].batched`).
import { CamscopeError } from '../errors.js';
import { floatValueInfo } from './gradientGraph.js';
import { NodeEmitter } from './nodeEmitter.js';
import type { ProbeResult } from './shapeProbe.js';
import {
  type GraphIndex,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
  attrInt,
  defaultOpset,
  int64Tensor,
  onnx,
  toNumber as toNumberSafe,
} from './onnxModel.js';

export interface HeadExtraInput {
  name: string;
  /** Dim 0 is the image batch: replicate one image's slice for every perturbed copy. Else fed as-is. */
  batched: boolean;
  /** Dims seen by the shape probe (dim 0 at the probe's batch size when batched). */
  probeDims: readonly number[];
}

export interface HeadGraph {
  model: ModelProto;
  /** The target tensor, now a graph input [N, …]. */
  input: string;
  /** The logits output [N, classes]. */
  output: string;
  extraInputs: HeadExtraInput[];
  /** How many of the model's nodes the head keeps. */
  nodeCount: number;
}

/** ONNX element types of the extra inputs, when known (from a forward run); float otherwise. */
export type ElemTypes = ReadonlyMap<string, number>;

const FLOAT = onnx.TensorProto.DataType.FLOAT;

/** Extracts the head of `model` from `layer` to the logits. */
/** What head extraction reads of an opened classifier (model/classifierModel.ts's ClassifierModel is one). */
export interface HeadSource {
  readonly file: string;
  readonly model: ModelProto;
  readonly index: GraphIndex;
  readonly outputName: string;
  readonly probe: ProbeResult;
  readonly dynamicBatch: boolean;
  readonly numClasses: number;
  shapeOf(tensor: string): readonly number[] | undefined;
}

export function buildHeadGraph(model: HeadSource, layer: string, elemTypes: ElemTypes = new Map()): HeadGraph {
  const index = model.index;
  const graph = model.model.graph!;
  const output = model.outputName;
  const layerShape = model.shapeOf(layer);
  if (!layerShape) throw new CamscopeError(`${model.file}: no shape known for '${layer}'`);
  const label = (n: NodeProto) => index.nodeLabel(n);

  // Forward reach from A, backward reach from the logits.
  const fromA = new Set<string>([layer]);
  const downstream = new Set<NodeProto>();
  for (const n of index.nodes) {
    if ((n.input ?? []).some((i) => i && fromA.has(i))) {
      downstream.add(n);
      for (const o of n.output ?? []) if (o) fromA.add(o);
    }
  }
  if (!fromA.has(output)) throw new CamscopeError(`${model.file}: '${layer}' does not influence the logits '${output}'`);
  const toLogits = new Set<string>([output]);
  for (const n of [...index.nodes].reverse()) {
    if (!(n.output ?? []).some((o) => toLogits.has(o))) continue;
    for (const i of n.input ?? []) if (i) toLogits.add(i);
  }

  const e = new NodeEmitter(defaultOpset(model.model), 'camscope_head');
  const keep = new Set<NodeProto>();
  /** Nodes replacing a kept node (Shape/Size rebuilt from A), emitted at its place. */
  const replaced = new Map<NodeProto, NodeProto[]>();
  const initializers = new Map<string, TensorProto>();
  const extras: HeadExtraInput[] = [];
  const resolved = new Set<string>();
  const realInputs = new Set(index.realInputs().map((i) => i.name!));

  const constantMemo = new Map<string, boolean>();
  const constantDerived = (t: string): boolean => {
    if (!t || index.initializers.has(t)) return true;
    if (realInputs.has(t) || fromA.has(t)) return false;
    let v = constantMemo.get(t);
    if (v === undefined) {
      constantMemo.set(t, false); // cycle guard
      const p = index.producer.get(t);
      v = !!p && !hasSubgraph(p) && (p.input ?? []).every((i) => constantDerived(i));
      constantMemo.set(t, v);
    }
    return v;
  };
  const shapeMemo = new Map<string, boolean>();
  /** Computed from constants and the shapes (not the values) of run-time tensors. */
  const shapeDerived = (t: string): boolean => {
    if (constantDerived(t)) return true;
    if (realInputs.has(t) || fromA.has(t)) return false;
    let v = shapeMemo.get(t);
    if (v === undefined) {
      shapeMemo.set(t, false);
      const p = index.producer.get(t);
      v =
        !!p &&
        !hasSubgraph(p) &&
        (p.opType === 'Shape' || p.opType === 'Size' || ((p.input ?? []).some(Boolean) && (p.input ?? []).every((i) => shapeDerived(i))));
      shapeMemo.set(t, v);
    }
    return v;
  };

  const nBatch = (): string => {
    // Shape(A)[0:1]: the head's batch, for shape arithmetic that carries it.
    const shapeA = e.op('Shape', [layer]);
    return e.op('Gather', [shapeA, e.constInt64([0])], { axis: 0 });
  };

  /** Makes tensor `t` (not computed from A) available to the head. */
  const resolve = (t: string): void => {
    if (!t || resolved.has(t) || fromA.has(t)) return;
    resolved.add(t);
    const init = index.initializers.get(t);
    if (init) {
      initializers.set(t, init);
      return;
    }
    const p = index.producer.get(t);
    if (!p || realInputs.has(t)) {
      addExtra(t);
      return;
    }
    if (constantDerived(t)) {
      includeWithInputs(p);
      return;
    }
    if (p.opType === 'Shape' || p.opType === 'Size') {
      const baked = model.probe.values.get(t);
      if (baked) {
        initializers.set(t, int64Tensor(t, baked.dims, baked.data as number[]));
        return;
      }
      replaced.set(p, rebuildShape(p));
      keep.add(p);
      return;
    }
    if (shapeDerived(t)) {
      includeWithInputs(p);
      return;
    }
    addExtra(t);
  };

  const includeWithInputs = (p: NodeProto): void => {
    if (keep.has(p)) return;
    keep.add(p);
    for (const i of p.input ?? []) resolve(i);
  };

  const addExtra = (t: string): void => {
    const dims = model.probe.shapes.get(t);
    if (!dims) throw new CamscopeError(`${model.file}: no shape known for '${t}', which the head after '${layer}' reads`);
    const type = elemTypes.get(t) ?? FLOAT;
    // Tensors whose dim 0 is the probe's batch carry the batch; 1-D integer tensors are shape-like
    // vectors (whose length may equal the probe batch by chance) and are passed as they are.
    const integer =
      type !== FLOAT &&
      type !== onnx.TensorProto.DataType.DOUBLE &&
      type !== onnx.TensorProto.DataType.FLOAT16 &&
      type !== onnx.TensorProto.DataType.BOOL;
    const batched = model.dynamicBatch && dims.length > 0 && dims[0] === model.probe.batch && !(integer && dims.length === 1);
    extras.push({ name: t, batched, probeDims: dims });
  };

  /** Shape(X) / Size(X) of a batched tensor X computed before A: the batch taken from A. */
  const rebuildShape = (p: NodeProto): NodeProto[] => {
    const x = p.input![0]!;
    const out = p.output![0]!;
    const dims = model.probe.shapes.get(x);
    const fail = (why: string): never => {
      throw new CamscopeError(`${model.file}: cannot extract the head after '${layer}': ${label(p)} ${why}`);
    };
    if (!dims) return fail('reads a tensor of unknown shape');
    if (!model.dynamicBatch || dims[0] !== model.probe.batch) return fail('depends on the batch in a way camscope cannot follow');
    const start0 = e.nodes.length;
    if (p.opType === 'Size') {
      const rest = dims.slice(1).reduce((a, b) => a * b, 1);
      const n = e.squeeze(nBatch(), [0]);
      e.nodes.push({ opType: 'Mul', name: `${out}_rebuilt`, input: [n, e.constInt64([rest], [])], output: [out] });
    } else {
      const rank = dims.length;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
      const start = clamp(attrInt(p, 'start', 0));
      const end = clamp(attrInt(p, 'end', rank));
      const pieces: string[] = [];
      if (start === 0 && end > 0) pieces.push(nBatch());
      const rest = dims.slice(Math.max(start, 1), end);
      if (rest.length) pieces.push(e.constInt64(rest));
      if (pieces.length === 0) pieces.push(e.constInt64([]));
      e.nodes.push({ opType: 'Concat', name: `${out}_rebuilt`, input: pieces, output: [out], attribute: [{ name: 'axis', type: 2, i: 0 }] });
    }
    return e.nodes.slice(start0);
  };

  // The head proper: nodes downstream of A that lead to the logits.
  for (const n of index.nodes) {
    if (!downstream.has(n) || !(n.output ?? []).some((o) => toLogits.has(o))) continue;
    if (hasSubgraph(n)) throw new CamscopeError(`${model.file}: cannot extract the head after '${layer}': ${label(n)} has a sub-graph`);
    keep.add(n);
  }
  for (const n of [...keep]) for (const i of n.input ?? []) resolve(i);

  const nodes: NodeProto[] = [];
  for (const n of index.nodes) {
    if (!keep.has(n)) continue;
    nodes.push(...(replaced.get(n) ?? [n]));
  }
  for (const t of e.initializers) initializers.set(t.name!, t);

  const inputs: ValueInfoProto[] = [floatValueInfo(layer, ['N', ...layerShape.slice(1)])];
  for (const x of extras) {
    const dims = x.batched ? ['N', ...x.probeDims.slice(1)] : [...x.probeDims];
    const vi = floatValueInfo(x.name, dims);
    vi.type!.tensorType!.elemType = elemTypes.get(x.name) ?? FLOAT;
    inputs.push(vi);
  }
  // Before IR 4 every initializer had to be declared as a graph input too.
  if (toNumberSafe(model.model.irVersion) < 4) {
    for (const t of initializers.values()) {
      const vi = floatValueInfo(t.name!, (t.dims ?? []).map(toNumberSafe));
      vi.type!.tensorType!.elemType = t.dataType ?? FLOAT;
      inputs.push(vi);
    }
  }
  const head = onnx.ModelProto.create({
    irVersion: model.model.irVersion,
    producerName: 'camscope',
    opsetImport: model.model.opsetImport,
    functions: model.model.functions,
    graph: {
      name: `${graph.name ?? 'graph'}_head`,
      node: nodes,
      initializer: [...initializers.values()],
      input: inputs,
      output: [floatValueInfo(output, ['N', model.numClasses])],
    },
  });
  return { model: head, input: layer, output, extraInputs: extras, nodeCount: keep.size };
}

function hasSubgraph(n: NodeProto): boolean {
  return (n.attribute ?? []).some((a) => a.g || (a.graphs && a.graphs.length > 0));
}
