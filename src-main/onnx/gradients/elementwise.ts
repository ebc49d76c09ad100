// Gradients of element-wise binary and variadic ops with numpy broadcasting. Each input's gradient
// is formed at the output's shape, then summed over the axes along which that input was broadcast:
//   Add, Sum: dy    Sub: dy, −dy    Mul: dy·B, dy·A    Div: dy/B, −(dy/B)·Y  (= −dy·A/B², as Y = A/B)
//   Pow: dy·p·x^(p−1) for the base x, dy·Y·ln(x) for the exponent p    Expand: dy for the data input
//   Where(cond, X, Y): dy where cond for X, dy where ¬cond for Y
import type { GradientContext, GradientRule } from './gradientRule.js';
import { onnx } from '../onnxModel.js';

/** Gradient of input i: `full()`, of the output's shape, summed back to input i's shape; null when not needed. */
function reduced(c: GradientContext, i: number, full: () => string): string | null {
  return c.needs(i) ? c.unbroadcast(full(), c.shape(c.output(0)), c.input(i)) : null;
}

const negated = (c: GradientContext, g: string | null): string | null => g && c.e.op('Neg', [g]);

/** Add and Sum: every input receives dy. */
const sum: GradientRule = (c) => (c.node.input ?? []).map((_, i) => reduced(c, i, () => c.dOut(0)!));

/** Negating after the reduction touches fewer values. */
const sub: GradientRule = (c) => [
  reduced(c, 0, () => c.dOut(0)!),
  negated(
    c,
    reduced(c, 1, () => c.dOut(0)!),
  ),
];

const mul: GradientRule = (c) => {
  const { e } = c;
  const dy = c.dOut(0)!;
  return [reduced(c, 0, () => e.op('Mul', [dy, c.input(1)])), reduced(c, 1, () => e.op('Mul', [dy, c.input(0)]))];
};

const div: GradientRule = (c) => {
  const { e } = c;
  const quotient = e.op('Div', [c.dOut(0)!, c.input(1)]);
  return [
    reduced(c, 0, () => quotient),
    negated(
      c,
      reduced(c, 1, () => e.op('Mul', [quotient, c.output(0)])),
    ),
  ];
};

/** The exponent p and p − 1 as float tensors (from opset 12 the exponent may be an integer tensor). */
function exponentAsFloat(c: GradientContext): [string, string] {
  const { e } = c;
  const value = c.constant(c.input(1));
  if (value) {
    const p = Array.from(value.data);
    return [
      e.constFloat(p, value.dims),
      e.constFloat(
        p.map((v) => v - 1),
        value.dims,
      ),
    ];
  }
  const p = e.op('Cast', [c.input(1)], { to: onnx.TensorProto.DataType.FLOAT });
  return [p, e.op('Sub', [p, e.scalar(1)])];
}

const pow: GradientRule = (c) => {
  const { e } = c;
  const [x, y, dy] = [c.input(0), c.output(0), c.dOut(0)!];
  const dBase = () => {
    const [p, pMinus1] = exponentAsFloat(c);
    return e.op('Mul', [dy, e.op('Mul', [p, e.op('Pow', [x, pMinus1])])]);
  };
  const dExponent = () => e.op('Mul', [dy, e.op('Mul', [y, e.op('Log', [x])])]);
  return [reduced(c, 0, dBase), reduced(c, 1, dExponent)];
};

/** Where(cond, X, Y): dy goes to X where cond holds and to Y elsewhere; cond is boolean, without gradient. */
const where: GradientRule = (c) => {
  const { e } = c;
  const [cond, dy] = [c.input(0), c.dOut(0)!];
  const zero = e.scalar(0);
  return [null, reduced(c, 1, () => e.op('Where', [cond, dy, zero])), reduced(c, 2, () => e.op('Where', [cond, zero, dy]))];
};

/** The target shape (input 1) is integer data and carries no gradient. */
const expand: GradientRule = (c) => [reduced(c, 0, () => c.dOut(0)!), null];

export const elementwiseRules: Record<string, GradientRule> = {
  Add: sum,
  Sum: sum,
  Sub: sub,
  Mul: mul,
  Div: div,
  Pow: pow,
  Expand: expand,
  Where: where,
};
