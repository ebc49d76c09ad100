// Gradients of element-wise activations and unary math: dx = dy · f'(x), with f' written in terms of
// the output y where that is cheaper (Sigmoid y·(1−y), Tanh 1−y², Exp y, Sqrt 1/(2y)). At kinks f'
// follows PyTorch's backward functions, since reference gradients come from torch.
import type { GradientContext, GradientRule } from './gradientRule.js';
import { attrFloat, attrInt, onnx } from '../onnxModel.js';
import { normalizeAxis } from './shape.js';

/** The rule dx = dy · f'(x) for f' built by `derivative`. */
const chain =
  (derivative: (c: GradientContext) => string): GradientRule =>
  (c) => [c.e.op('Mul', [c.dOut(0)!, derivative(c)])];

/** Boolean tensor lo < t < hi (strict, like torch's hardtanh_backward); null when both bounds are absent. */
function inside(c: GradientContext, t: string, lo: string | null, hi: string | null): string | null {
  const conds = [lo && c.e.op('Greater', [t, lo]), hi && c.e.op('Less', [t, hi])].filter((x): x is string => !!x);
  if (conds.length < 2) return conds[0] ?? null;
  return c.e.op('And', conds);
}

/** torch threshold_backward: the gradient passes where x > 0 (not at 0). */
const relu = chain((c) => c.e.mask(c.e.op('Greater', [c.input(0), c.e.scalar(0)])));

const leakyRelu = chain((c) => {
  const { e } = c;
  const positive = e.op('Greater', [c.input(0), e.scalar(0)]);
  return e.where(positive, e.scalar(1), e.scalar(attrFloat(c.node, 'alpha', 0.01)));
});

/** Bounds are inputs 1, 2 from opset 11 (either may be absent), attributes before. */
const clip: GradientRule = (c) => {
  const { e } = c;
  if (c.needs(1) || c.needs(2)) c.fail('gradients with respect to the clip bounds are not supported');
  const attrBound = (name: string, absent: number): string | null => {
    const v = attrFloat(c.node, name, absent);
    return Number.isFinite(v) ? e.scalar(v) : null;
  };
  const [lo, hi] = e.opset >= 11 ? [c.input(1) || null, c.input(2) || null] : [attrBound('min', -Infinity), attrBound('max', Infinity)];
  const pass = inside(c, c.input(0), lo, hi);
  return [pass ? e.op('Mul', [c.dOut(0)!, e.mask(pass)]) : c.dOut(0)];
};

/** y = clamp(α·x + β, 0, 1): α where the clamp is inactive, i.e. 0 < y < 1 (torch: −3 < x < 3, 1/6). */
const hardSigmoid = chain((c) => {
  const { e } = c;
  const y = c.output(0);
  return e.op('Mul', [e.mask(inside(c, y, e.scalar(0), e.scalar(1))!), e.scalar(attrFloat(c.node, 'alpha', 0.2))]);
});

/** torch hardswish_backward: 0 for x < −3, x/3 + 1/2 for −3 ≤ x ≤ 3, 1 for x > 3. */
const hardSwish = chain((c) => {
  const { e } = c;
  const x = c.input(0);
  const ramp = e.op('Add', [e.op('Mul', [x, e.scalar(1 / 3)]), e.scalar(0.5)]);
  const upper = e.where(e.op('Greater', [x, e.scalar(3)]), e.scalar(1), ramp);
  return e.where(e.op('Less', [x, e.scalar(-3)]), e.scalar(0), upper);
});

const sigmoid = chain((c) => {
  const y = c.output(0);
  return c.e.op('Mul', [y, c.e.op('Sub', [c.e.scalar(1), y])]);
});

const tanh = chain((c) => {
  const y = c.output(0);
  return c.e.op('Sub', [c.e.scalar(1), c.e.op('Mul', [y, y])]);
});

/** erf'(x) = 2/√π · exp(−x²). */
const erf = chain((c) => {
  const { e } = c;
  const x = c.input(0);
  return e.op('Mul', [e.scalar(2 / Math.sqrt(Math.PI)), e.op('Exp', [e.op('Neg', [e.op('Mul', [x, x])])])]);
});

const sqrt = chain((c) => c.e.op('Div', [c.e.scalar(0.5), c.output(0)]));
const exp = chain((c) => c.output(0));
const log: GradientRule = (c) => [c.e.op('Div', [c.dOut(0)!, c.input(0)])];
const neg: GradientRule = (c) => [c.e.op('Neg', [c.dOut(0)!])];

/**
 * The axis Softmax/LogSoftmax normalize over. Before opset 13 the input is coerced to 2-D
 * [∏dims<axis, ∏dims≥axis]; that equals a softmax along `axis` only when no larger axis follows it.
 */
function softmaxAxis(c: GradientContext): number {
  const shape = c.shape(c.input(0));
  if (c.e.opset >= 13) return normalizeAxis(attrInt(c.node, 'axis', -1), shape.length);
  const axis = normalizeAxis(attrInt(c.node, 'axis', 1), shape.length);
  if (shape.slice(axis + 1).some((d) => d !== 1)) {
    c.fail(`opset ${c.e.opset} normalizes over the flattened axes ${axis}.. of shape ${JSON.stringify(shape)}; ` + 'only the last axis is supported');
  }
  return axis;
}

/** dx = y · (dy − Σ_axis dy·y). */
const softmax: GradientRule = (c) => {
  const { e } = c;
  const [y, dy] = [c.output(0), c.dOut(0)!];
  const dot = e.reduceSum(e.op('Mul', [dy, y]), [softmaxAxis(c)], true);
  return [e.op('Mul', [y, e.op('Sub', [dy, dot])])];
};

/** dx = dy − exp(y) · Σ_axis dy. */
const logSoftmax: GradientRule = (c) => {
  const { e } = c;
  const [y, dy] = [c.output(0), c.dOut(0)!];
  const total = e.reduceSum(dy, [softmaxAxis(c)], true);
  return [e.op('Sub', [dy, e.op('Mul', [e.op('Exp', [y]), total])])];
};

const identity: GradientRule = (c) => [c.dOut(0)];

/**
 * Inference Dropout is the identity; its mask output carries no gradient. A training_mode input
 * that is true (or computed at run time) would make ONNX Runtime drop values at random, which no
 * gradient describes — unless the ratio is a constant 0 (torchvision's Swin exports F.dropout(p=0)
 * with training_mode true), which drops nothing and scales by 1/(1 − 0).
 */
const dropout: GradientRule = (c) => {
  const isConstant = (i: number, value: number) => {
    const t = c.input(i) ? c.constant(c.input(i)) : null;
    return !!t && Array.from(t.data).every((v) => v === value);
  };
  if (c.input(2) && !isConstant(2, 0) && !isConstant(1, 0)) {
    c.fail('a training_mode input that is not a constant false is not supported (inference Dropout, or ratio 0, only)');
  }
  return [c.dOut(0)];
};

/**
 * Only float → float is the identity. A cast to another type ends the float path; the matching cast
 * back to float is reached first and passes the gradient on, and this rule then rejects the inner cast.
 */
const cast: GradientRule = (c) => {
  const to = attrInt(c.node, 'to', 0);
  if (to !== onnx.TensorProto.DataType.FLOAT) {
    c.fail(`casts to data type ${to} are not differentiable here (float → float only)`);
  }
  return [c.dOut(0)];
};

export const activationRules: Record<string, GradientRule> = {
  Relu: relu,
  LeakyRelu: leakyRelu,
  Clip: clip,
  HardSigmoid: hardSigmoid,
  HardSwish: hardSwish,
  Sigmoid: sigmoid,
  Tanh: tanh,
  Erf: erf,
  Sqrt: sqrt,
  Exp: exp,
  Log: log,
  Neg: neg,
  Softmax: softmax,
  LogSoftmax: logSoftmax,
  Identity: identity,
  Dropout: dropout,
  Cast: cast,
};
