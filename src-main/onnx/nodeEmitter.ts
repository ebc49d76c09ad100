// Appends nodes and constants to a graph under fresh names, hiding the operator-set differences
// (axes as attribute or input) between opset 11 and 18.
import {
  type AttrValue,
  type NodeProto,
  type TensorProto,
  floatTensor,
  int64Tensor,
  makeAttribute,
} from './onnxModel.js';

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

  /** 1.0 where cond holds, 0.0 elsewhere (cond: a boolean tensor). */
  mask(cond: string): string {
    return this.op('Cast', [cond], { to: 1 });
  }
}
