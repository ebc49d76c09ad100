// Appends nodes and constants to a graph under fresh names, hiding the operator-set differences
// between opset 7 and 21: axes as attribute or input, and ops newer than the model's opset
// (Expand 8, Where and OneHot 9, Mod 10) written with older ones.
import { type AttrValue, type NodeProto, type TensorProto, floatTensor, int64Tensor, makeAttribute } from './onnxModel.js';

export class NodeEmitter {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private counter = 0;

  constructor(
    readonly opset: number,
    private readonly prefix: string,
  ) {}

  fresh(hint: string): string {
    return `${this.prefix}/${hint}_${this.counter++}`;
  }

  /** Emits one node and returns its output names. */
  emit(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs = 1): string[] {
    const outs = Array.from({ length: outputs }, () => this.fresh(opType));
    this.nodes.push({
      opType,
      name: this.fresh(`${opType}_node`),
      input: inputs,
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => makeAttribute(k, v)),
    });
    return outs;
  }

  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}): string {
    return this.emit(opType, inputs, attrs, 1)[0]!;
  }

  constFloat(values: ArrayLike<number>, dims: number[]): string {
    const name = this.fresh('const_f');
    this.initializers.push(floatTensor(name, dims, values));
    return name;
  }

  scalar(v: number): string {
    return this.constFloat([v], []);
  }

  constInt64(values: number[], dims: number[] = [values.length]): string {
    const name = this.fresh('const_i');
    this.initializers.push(int64Tensor(name, dims, values));
    return name;
  }

  reduceSum(x: string, axes: number[], keepdims: boolean): string {
    if (axes.length === 0) return x;
    if (this.opset >= 13) return this.op('ReduceSum', [x, this.constInt64(axes)], { keepdims: keepdims ? 1 : 0 });
    return this.op('ReduceSum', [x], { axes, keepdims: keepdims ? 1 : 0 });
  }

  reduceMean(x: string, axes: number[], keepdims: boolean): string {
    if (this.opset >= 18) return this.op('ReduceMean', [x, this.constInt64(axes)], { keepdims: keepdims ? 1 : 0 });
    return this.op('ReduceMean', [x], { axes, keepdims: keepdims ? 1 : 0 });
  }

  squeeze(x: string, axes: number[]): string {
    if (axes.length === 0) return x;
    if (this.opset >= 13) return this.op('Squeeze', [x, this.constInt64(axes)]);
    return this.op('Squeeze', [x], { axes });
  }

  unsqueeze(x: string, axes: number[]): string {
    if (axes.length === 0) return x;
    if (this.opset >= 13) return this.op('Unsqueeze', [x, this.constInt64(axes)]);
    return this.op('Unsqueeze', [x], { axes });
  }

  /** Sums a list of tensors of the same shape. */
  sum(xs: string[]): string {
    if (xs.length === 1) return xs[0]!;
    return this.op('Sum', xs);
  }

  /** Float one-hot rows [N, classes] of integer indices [N, 1] (Equal against 0 … classes−1). */
  oneHot(indices: string, classes: number): string {
    const range = this.constInt64(
      Array.from({ length: classes }, (_, i) => i),
      [1, classes],
    );
    return this.mask(this.op('Equal', [indices, range]));
  }

  /**
   * x broadcast to the static shape `shape` whose dim 0 (the batch) x already has: Expand from opset
   * 8, before that a product with ones of shape [1, …shape[1:]].
   */
  expandTo(x: string, shapeOf: string, shape: readonly number[]): string {
    if (this.opset >= 8) return this.op('Expand', [x, this.op('Shape', [shapeOf])]);
    const size = shape.slice(1).reduce((a, b) => a * b, 1);
    return this.op('Mul', [x, this.constFloat(new Float32Array(size).fill(1), [1, ...shape.slice(1)])]);
  }

  /** cond ? a : b for float a, b (Where from opset 9, a blend of masks before). */
  where(cond: string, a: string, b: string): string {
    if (this.opset >= 9) return this.op('Where', [cond, a, b]);
    const m = this.mask(cond);
    return this.op('Add', [this.op('Mul', [m, a]), this.op('Mul', [this.op('Sub', [this.scalar(1), m]), b])]);
  }

  /** a mod b for non-negative int64 tensors (Mod from opset 10, a − (a / b)·b before). */
  mod(a: string, b: string): string {
    if (this.opset >= 10) return this.op('Mod', [a, b]);
    return this.op('Sub', [a, this.op('Mul', [this.op('Div', [a, b]), b])]);
  }

  /** 1.0 where cond holds, 0.0 elsewhere (cond: a boolean tensor). */
  mask(cond: string): string {
    return this.op('Cast', [cond], { to: 1 });
  }
}
