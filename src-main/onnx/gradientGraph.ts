// Reverse-mode differentiation of an ONNX graph, emitted as ONNX nodes: from a seed gradient `dy`
// on the logits back to chosen target tensors. ONNX Runtime then computes activations and their
// gradients in the same run as the forward pass (onnxruntime-node has no autograd).
import { CamscopeError } from '../errors.js';
import { type DecodedTensor, GraphIndex, type ModelProto, cloneModel, type NodeProto, type ValueInfoProto, defaultOpset, onnx } from './onnxModel.js';
import { NodeEmitter } from './nodeEmitter.js';
import { gradientRules } from './gradients/index.js';
import type { GradientContext } from './gradients/gradientRule.js';

/** Static shapes of tensors, as observed on a probe run (batch dimension included). */
export type ShapeMap = ReadonlyMap<string, readonly number[]>;

export interface GradientModel {
  model: ModelProto;
  /** Input carrying the seed gradient, shape [N, classes]. */
  seedInput: string;
  /** Input [N, 1] adding that multiple of one-hot(argmax logits) to the seed (when built with top1Seed). */
  top1Input: string | null;
  /** Target tensor → name of the graph output holding its gradient. */
  gradientOutputs: Map<string, string>;
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const SEED_INPUT = 'camscope_dy';
export const TOP1_INPUT = 'camscope_top1';

/**
 * Copies `model` and appends the gradient sub-graph of `output` with respect to each target.
 * Targets and their gradients become graph outputs.
 */
export function buildGradientModel(
  model: ModelProto,
  shapes: ShapeMap,
  targets: string[],
  output: string,
  options: {
    top1Seed?: boolean;
    /**
     * Differentiate the softmax scores p instead of the logits z: the seed w becomes
     * ∂(Σ_c w_c p_c)/∂z = p ⊙ (w − ⟨w, p⟩).
     */
    softmaxSeed?: boolean;
    /** Batch-independent values of run-time integer tensors (see ProbeResult.values). */
    values?: ReadonlyMap<string, DecodedTensor>;
  } = {},
): GradientModel {
  const copy = cloneModel(model);
  const graph = copy.graph!;
  const index = new GraphIndex(graph);
  const e = new NodeEmitter(defaultOpset(copy), 'camscope_grad');

  const outShape = shapes.get(output);
  if (!outShape || outShape.length !== 2) {
    throw new CamscopeError(`output '${output}' must be [N, classes] logits (got shape ${JSON.stringify(outShape)})`);
  }

  // Tensors that depend on a target (forward reach) and nodes that lead to the output (backward reach).
  // Shape and Size read a tensor's dims, not its values: what is computed from them (Swin's shift
  // mask from ConstantOfShape(Shape(x)), reshape targets) carries no gradient.
  const dependsOnTarget = new Set<string>(targets);
  for (const n of index.nodes) {
    if (n.opType === 'Shape' || n.opType === 'Size') continue;
    if ((n.input ?? []).some((i) => dependsOnTarget.has(i))) for (const o of n.output ?? []) dependsOnTarget.add(o);
  }
  const reachesOutput = new Set<string>([output]);
  const onPath: NodeProto[] = [];
  for (const n of [...index.nodes].reverse()) {
    if (!(n.output ?? []).some((o) => reachesOutput.has(o))) continue;
    for (const i of n.input ?? []) if (i) reachesOutput.add(i);
    if ((n.output ?? []).some((o) => dependsOnTarget.has(o))) onPath.push(n);
  }
  for (const t of targets) {
    if (!reachesOutput.has(t)) throw new CamscopeError(`tensor '${t}' does not influence output '${output}'`);
  }

  const grads = new Map<string, string[]>();
  const addGrad = (name: string, g: string) => {
    const list = grads.get(name) ?? [];
    list.push(g);
    grads.set(name, list);
  };
  const gradOf = (name: string): string | null => {
    const list = grads.get(name);
    if (!list || list.length === 0) return null;
    if (list.length > 1) grads.set(name, [e.sum(list)]);
    return grads.get(name)![0]!;
  };
  let seed = SEED_INPUT;
  if (options.top1Seed) {
    // The predicted class is only known inside the run: seed += top1 · one-hot(argmax(logits)).
    const oneHot = e.oneHot(e.op('ArgMax', [output], { axis: 1, keepdims: 1 }), outShape[1]!);
    seed = e.op('Add', [SEED_INPUT, e.op('Mul', [TOP1_INPUT, oneHot])]);
  }
  if (options.softmaxSeed) {
    const p = e.op('Softmax', [output], { axis: 1 });
    const wp = e.reduceSum(e.op('Mul', [seed, p]), [1], true);
    seed = e.op('Mul', [p, e.op('Sub', [seed, wp])]);
  }
  addGrad(output, seed);

  for (const node of onPath) {
    const outs = node.output ?? [];
    if (!outs.some((o) => grads.has(o))) continue;
    const rule = gradientRules[node.opType ?? ''];
    const label = index.nodeLabel(node);
    if (!rule) throw new CamscopeError(`unsupported op for gradients: ${label}`);
    const ctx: GradientContext = {
      node,
      e,
      index,
      input: (i) => node.input?.[i] ?? '',
      output: (i) => outs[i] ?? '',
      shape: (name) => {
        const s = shapes.get(name);
        if (!s) {
          const c = index.constant(name);
          if (c) return c.dims;
          throw new CamscopeError(`no static shape known for tensor '${name}' (input of ${label})`);
        }
        return s;
      },
      dOut: (i) => (outs[i] ? gradOf(outs[i]!) : null),
      needs: (i) => dependsOnTarget.has(node.input?.[i] ?? ''),
      constant: (name) => index.constant(name) ?? options.values?.get(name) ?? null,
      unbroadcast: (g, gShape, inputName) => unbroadcast(e, g, gShape, ctx.shape(inputName)),
      fail: (reason) => {
        throw new CamscopeError(`cannot differentiate ${label}: ${reason}`);
      },
    };
    const inputGrads = rule(ctx);
    inputGrads.forEach((g, i) => {
      const name = node.input?.[i];
      if (g && name && dependsOnTarget.has(name)) addGrad(name, g);
    });
  }

  const gradientOutputs = new Map<string, string>();
  for (const t of targets) {
    const g = gradOf(t);
    if (!g) throw new CamscopeError(`no gradient path from output '${output}' to tensor '${t}'`);
    const name = `camscope_grad:${t}`;
    e.nodes.push({ opType: 'Identity', name: `${name}_node`, input: [g], output: [name] });
    gradientOutputs.set(t, name);
  }

  graph.node = [...(graph.node ?? []), ...e.nodes];
  graph.initializer = [...(graph.initializer ?? []), ...e.initializers];
  graph.input = [...(graph.input ?? []), floatValueInfo(SEED_INPUT, ['N', outShape[1]!])];
  if (options.top1Seed) graph.input.push(floatValueInfo(TOP1_INPUT, ['N', 1]));
  const existing = new Set((graph.output ?? []).map((o) => o.name));
  const extra = [...targets.filter((t) => !existing.has(t)), ...gradientOutputs.values()];
  graph.output = [...(graph.output ?? []), ...extra.map((n) => floatValueInfo(n))];
  return { model: copy, seedInput: SEED_INPUT, top1Input: options.top1Seed ? TOP1_INPUT : null, gradientOutputs };
}

export function floatValueInfo(name: string, dims?: (number | string)[]): ValueInfoProto {
  const shape = dims ? { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } : undefined;
  return { name, type: { tensorType: { elemType: FLOAT, shape } } };
}

/** Sums the broadcast axes of `g` (shape gShape) so it takes shape `target` (numpy broadcasting). */
export function unbroadcast(e: NodeEmitter, g: string, gShape: readonly number[], target: readonly number[]): string {
  const lead = gShape.length - target.length;
  const axes: number[] = [];
  for (let a = 0; a < gShape.length; a++) {
    const t = a - lead;
    if (t < 0 || (target[t] === 1 && gShape[a] !== 1)) axes.push(a);
  }
  let r = e.reduceSum(g, axes, true);
  if (lead > 0)
    r = e.squeeze(
      r,
      Array.from({ length: lead }, (_, i) => i),
    );
  return r;
}
