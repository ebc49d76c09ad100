// What an op's gradient rule sees and returns, apart from gradientGraph.ts (which calls the rules) so the rules
// in this folder import it without importing the graph walk that imports them.
import type { DecodedTensor, GraphIndex, NodeProto } from '../onnxModel.js';
import type { NodeEmitter } from '../nodeEmitter.js';

export interface GradientContext {
  readonly node: NodeProto;
  readonly e: NodeEmitter;
  readonly index: GraphIndex;
  /** Input name i of the node ('' when absent). */
  input(i: number): string;
  output(i: number): string;
  /** Static shape of a tensor (probe batch size in dim 0 for batched tensors). */
  shape(name: string): readonly number[];
  /** Gradient reaching output i, or null when none does. */
  dOut(i: number): string | null;
  /** Whether input i depends on a target tensor (only those gradients are used). */
  needs(i: number): boolean;
  constant(name: string): DecodedTensor | null;
  /** Sums a gradient of broadcast result shape back to the shape of `inputName`. */
  unbroadcast(grad: string, gradShape: readonly number[], inputName: string): string;
  fail(reason: string): never;
}

/** Returns, per node input, the name of its gradient tensor (null where not needed). */
export type GradientRule = (ctx: GradientContext) => (string | null)[];
