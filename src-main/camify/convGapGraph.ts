// The conv-gap head's ONNX graphs (Zhou et al. 2016, the VGGnet-GAP recipe): on frozen maps a [B, C, h, w],
// Z = Conv3×3(a; Wc, bc, pad 1), H = ReLU(Z), g = GAP(H), s = g·Wfᵀ + bf, cross-entropy against a target
// distribution p (the original model's softmax when distilling, one-hot labels otherwise).
// 'gradient' also gives the parameter gradients of the summed cross-entropy, written out by hand
// (onnxruntime-node has no autograd): with dS = softmax(s) − p,
//   ∂Wf = dSᵀ·g, ∂bf = Σ_n dS, dZ = (dS·Wf)/(h·w) broadcast over h×w, masked by Z > 0,
//   ∂bc = Σ_{n,y,x} dZ, ∂Wc[f,c,i,j] = Σ_{n,y,x} dZ[n,f,y,x]·a[n,c,y+i−1,x+j−1]
// — the last one per kernel offset (i, j) a batched MatMul of the zero-padded a shifted by (i, j) with dZ
// (about 2.5× faster in ONNX Runtime than the equivalent Conv with dZ as an h×w kernel).
import { buildModel } from '../onnx/modelBuilder.js';
import { NodeEmitter } from '../onnx/nodeEmitter.js';
import { encodeModel } from '../onnx/onnxModel.js';

export const KERNEL = 3;

/** ∂Wc [F, C, 3, 3] from dZ [N, F, h, w] and the graph input a [N, C, h, w]. */
function weightGradient(e: NodeEmitter, dz: string, d: number): string {
  const flat = (x: string) => e.op('Reshape', [x, e.constInt64([0, 0, -1])]);
  const padded = e.op('Pad', ['a', e.constInt64([0, 0, d, d, 0, 0, d, d])]);
  const dzT = e.op('Transpose', [flat(dz)], { perm: [0, 2, 1] }); // [N, h·w, F]
  const size = e.op('Gather', [e.op('Shape', ['a']), e.constInt64([2, 3])], { axis: 0 });
  const offsets: string[] = [];
  for (let i = 0; i < KERNEL; i++) {
    for (let j = 0; j < KERNEL; j++) {
      const start = e.constInt64([i * d, j * d]);
      const shifted = e.op('Slice', [padded, start, e.op('Add', [start, size]), e.constInt64([2, 3])]);
      offsets.push(e.unsqueeze(e.reduceSum(e.op('MatMul', [flat(shifted), dzT]), [0], false), [2])); // [C, F, 1]
    }
  }
  const cfk = e.op('Transpose', [e.op('Concat', offsets, { axis: 2 })], { perm: [1, 0, 2] }); // [F, C, 9]
  return e.op('Reshape', [cfk, e.constInt64([0, 0, KERNEL, KERNEL])]);
}

export function convGapGraph(mode: 'gradient' | 'evaluate', classes: number, plane: number, dilation = 1): Uint8Array {
  const e = new NodeEmitter(13, 'convgap');
  const d = dilation;
  const z = e.op('Conv', ['a', 'wc', 'bc'], { kernel_shape: [KERNEL, KERNEL], pads: [d, d, d, d], dilations: [d, d] });
  const g = e.reduceMean(e.op('Relu', [z]), [2, 3], false);
  const s = e.op('Gemm', [g, 'wf', 'bf'], { transB: 1 });
  const logProb = e.op('LogSoftmax', [s], { axis: 1 });
  const out = (name: string, x: string) => e.nodes.push({ opType: 'Identity', input: [x], output: [name] });
  out('row_loss', e.op('Neg', [e.reduceSum(e.op('Mul', [logProb, 'p']), [1], false)]));
  const outputs = ['row_loss'];
  if (mode === 'gradient') {
    const ds = e.op('Sub', [e.op('Exp', [logProb]), 'p']);
    out('grad_wf', e.op('Gemm', [ds, g], { transA: 1 }));
    out('grad_bf', e.reduceSum(ds, [0], false));
    const dg = e.op('Mul', [e.op('MatMul', [ds, 'wf']), e.scalar(1 / plane)]);
    const dz = e.op('Mul', [e.unsqueeze(dg, [2, 3]), e.mask(e.op('Greater', [z, e.scalar(0)]))]);
    out('grad_bc', e.reduceSum(dz, [0, 2, 3], false));
    out('grad_wc', weightGradient(e, dz, d));
    outputs.push('grad_wc', 'grad_bc', 'grad_wf', 'grad_bf');
  } else {
    out('prediction', e.op('Cast', [e.op('ArgMax', [s], { axis: 1, keepdims: 0 })], { to: 1 }));
    outputs.push('prediction');
  }
  return encodeModel(
    buildModel({
      opset: 13,
      inputs: [
        { name: 'a', dims: ['N', 'C', 'H', 'W'] },
        { name: 'p', dims: ['N', classes] },
        { name: 'wc', dims: ['F', 'C', KERNEL, KERNEL] },
        { name: 'bc', dims: ['F'] },
        { name: 'wf', dims: [classes, 'F'] },
        { name: 'bf', dims: [classes] },
      ],
      outputs,
      nodes: e.nodes,
      initializers: e.initializers,
    }),
  );
}
