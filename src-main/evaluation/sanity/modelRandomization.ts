// Model-parameter randomization of Adebayo et al., "Sanity Checks for Saliency Maps" (NeurIPS 2018), §3.1,
// on the ONNX file itself: the parametrized nodes (Conv, ConvTranspose, Gemm, MatMul with a constant
// operand, BatchNormalization) are listed from the logits down, and a node is randomized by re-drawing
// every float initializer it reads from a seeded Gaussian with that tensor's own mean and standard
// deviation (the scale kept, so activations stay in range and only the learned structure is lost).
// Cascading: step k randomizes the k nodes nearest the logits; independent: step k only the k-th.
import { CamscopeError } from '../../errors.js';
import { cloneModel, decodeTensor, floatTensor, type ModelProto, type TensorProto } from '../../onnx/onnxModel.js';
import { mixSeed, rng } from '../../../src-shared/random.js';

const PARAMETRIZED_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'BatchNormalization']);
const FLOAT = 1;

export interface ParametrizedNode {
  /** The node's name (its first output when unnamed). */
  name: string;
  op: string;
  /** The float initializers it reads. */
  initializers: string[];
}

/** The parametrized nodes in reverse graph order (ONNX nodes are topologically sorted): the logits' side first. */
export function parametrizedNodes(model: ModelProto): ParametrizedNode[] {
  const graph = model.graph!;
  const floats = new Set((graph.initializer ?? []).filter((t) => (t.dataType ?? 0) === FLOAT).map((t) => t.name!));
  const out: ParametrizedNode[] = [];
  for (const node of graph.node ?? []) {
    if (!PARAMETRIZED_OPS.has(node.opType ?? '')) continue;
    const initializers = (node.input ?? []).filter((i) => floats.has(i));
    if (initializers.length) out.push({ name: node.name || node.output![0]!, op: node.opType!, initializers });
  }
  return out.reverse();
}

/** A copy of the model with the given nodes' initializers re-drawn (seeded per tensor name). */
export function randomizeNodes(model: ModelProto, nodes: readonly ParametrizedNode[], seed: number): ModelProto {
  const copy = cloneModel(model);
  const names = new Set(nodes.flatMap((n) => n.initializers));
  copy.graph!.initializer = copy.graph!.initializer!.map((t) => (names.has(t.name!) ? redrawn(t, seed) : t));
  return copy;
}

/** N(mean, std) of the tensor's own values (Box–Muller over mulberry32), same name and shape. */
function redrawn(t: TensorProto, seed: number): TensorProto {
  const { dims, data } = decodeTensor(t);
  if (!(data instanceof Float32Array)) throw new CamscopeError(`initializer ${t.name}: not a float tensor`);
  let mean = 0;
  for (const v of data) mean += v;
  mean /= data.length;
  let variance = 0;
  for (const v of data) variance += (v - mean) ** 2;
  const std = Math.sqrt(variance / data.length);
  const next = rng(mixSeed(seed, t.name!));
  const values = new Float32Array(data.length);
  for (let i = 0; i < values.length; i++) values[i] = mean + std * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return floatTensor(t.name!, dims, values);
}
