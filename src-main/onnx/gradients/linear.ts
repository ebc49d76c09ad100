// Gradients of matrix products: MatMul (numpy batching and broadcasting) and Gemm.
import type { GradientContext, GradientRule } from './gradientRule.js';
import { attrFloat, attrInt } from '../onnxModel.js';

function swapLast(c: GradientContext, x: string, rank: number): string {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
  return c.e.op('Transpose', [x], { perm });
}

function broadcastBatch(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    return x === 1 ? y : x;
  });
}

/** dA = dY·Bᵀ, dB = Aᵀ·dY, each summed over the batch axes it was broadcast along. */
const matMul: GradientRule = (c) => {
  const [a, b] = [c.input(0), c.input(1)];
  const [sa, sb] = [c.shape(a), c.shape(b)];
  if (sa.length < 2 || sb.length < 2) c.fail('1-D MatMul operands are not supported');
  const dy = c.dOut(0)!;
  const batch = broadcastBatch(sa.slice(0, -2), sb.slice(0, -2));
  const m = sa[sa.length - 2]!;
  const k = sa[sa.length - 1]!;
  const n = sb[sb.length - 1]!;
  const da = c.needs(0) ? c.unbroadcast(c.e.op('MatMul', [dy, swapLast(c, b, sb.length)]), [...batch, m, k], a) : null;
  const db = c.needs(1) ? c.unbroadcast(c.e.op('MatMul', [swapLast(c, a, sa.length), dy]), [...batch, k, n], b) : null;
  return [da, db];
};

/** Y = α·A'·B' + β·C with A' = transA ? Aᵀ : A, B' likewise. */
const gemm: GradientRule = (c) => {
  const { e, node } = c;
  const alpha = attrFloat(node, 'alpha', 1);
  const beta = attrFloat(node, 'beta', 1);
  const transA = attrInt(node, 'transA', 0);
  const transB = attrInt(node, 'transB', 0);
  const dy = c.dOut(0)!;
  const [a, b] = [c.input(0), c.input(1)];
  // dA' = α·dY·B'ᵀ and dB' = α·A'ᵀ·dY, expressed directly as Gemm on the stored operands
  // (C is optional from opset 11; before, a broadcast 0).
  const noC = e.opset >= 11 ? [] : [e.scalar(0)];
  const product = (p: string, q: string, attrs: { transA: number; transB: number }) =>
    e.op('Gemm', [p, q, ...noC], { ...attrs, alpha: { float: alpha } });
  const da = !c.needs(0) ? null : transA ? product(b, dy, { transA: transB, transB: 1 }) : product(dy, b, { transA: 0, transB: 1 - transB });
  const db = !c.needs(1) ? null : transB ? product(dy, a, { transA: 1, transB: transA }) : product(a, dy, { transA: 1 - transA, transB: 0 });
  let dc: string | null = null;
  if (c.input(2) && c.needs(2)) {
    const scaled = beta === 1 ? dy : e.op('Mul', [dy, e.scalar(beta)]);
    dc = c.unbroadcast(scaled, c.shape(c.output(0)), c.input(2));
  }
  return [da, db, dc];
};

export const linearRules: Record<string, GradientRule> = { MatMul: matMul, Gemm: gemm };
