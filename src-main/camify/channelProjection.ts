// Channel compression for the conv-gap fit: the maps a [n, C, h, w] projected per position onto the k leading
// eigenvectors P [k, C] of their uncentered channel second moment Σ a·aᵀ (over rows and positions), y = P·a.
// Uncentered, so a zero (padded) position stays zero: a 3×3 conv on y with weights W [F, k, 3, 3] is exactly the
// conv on a with W·P [F, C, 3, 3] (foldProjection), so the written head reads the original maps and CAM is
// unchanged. The fit's cost is proportional to the channels it convolves; P only affects what it can reach.
import * as ort from 'onnxruntime-node';
import { rng } from '../../src-shared/random.js';
import { buildModel } from '../onnx/modelBuilder.js';
import { NodeEmitter } from '../onnx/nodeEmitter.js';
import { encodeModel } from '../onnx/onnxModel.js';

const ROWS_PER_RUN = 32;

/** Σ over rows and positions of a·aᵀ, [C, C], run by ONNX Runtime in row chunks. */
async function secondMoment(maps: Float32Array, n: number, c: number, plane: number): Promise<Float64Array> {
  const e = new NodeEmitter(13, 'moment');
  const x = e.op('Reshape', ['a', e.constInt64([0, c, plane])]);
  const m = e.reduceSum(e.op('MatMul', [x, e.op('Transpose', [x], { perm: [0, 2, 1] })]), [0], false);
  e.nodes.push({ opType: 'Identity', input: [m], output: ['m'] });
  const model = buildModel({
    opset: 13,
    inputs: [{ name: 'a', dims: ['N', c, 'H', 'W'] }],
    outputs: ['m'],
    nodes: e.nodes,
    initializers: e.initializers,
  });
  const session = await ort.InferenceSession.create(encodeModel(model));
  try {
    const sum = new Float64Array(c * c);
    const side = Math.sqrt(plane);
    const dims = Number.isInteger(side) ? [side, side] : [1, plane];
    for (let start = 0; start < n; start += ROWS_PER_RUN) {
      const rows = Math.min(ROWS_PER_RUN, n - start);
      const a = new ort.Tensor('float32', maps.subarray(start * c * plane, (start + rows) * c * plane), [rows, c, ...dims]);
      const out = (await session.run({ a })).m!.data as Float32Array;
      for (let i = 0; i < out.length; i++) sum[i]! += out[i]!;
    }
    return sum;
  } finally {
    await session.release();
  }
}

/** Modified Gram–Schmidt on the k rows (length c) of q, in place. */
function orthonormalizeRows(q: Float64Array, k: number, c: number): void {
  for (let i = 0; i < k; i++) {
    const qi = q.subarray(i * c, (i + 1) * c);
    for (let j = 0; j < i; j++) {
      const qj = q.subarray(j * c, (j + 1) * c);
      let d = 0;
      for (let t = 0; t < c; t++) d += qi[t]! * qj[t]!;
      for (let t = 0; t < c; t++) qi[t]! -= d * qj[t]!;
    }
    let norm = 0;
    for (let t = 0; t < c; t++) norm += qi[t]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let t = 0; t < c; t++) qi[t]! /= norm;
  }
}

/** Eigenvalues (descending) and eigenvectors (rows) of a symmetric k×k matrix, cyclic Jacobi. */
function jacobiEigen(a: Float64Array, k: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(k * k);
  for (let i = 0; i < k; i++) v[i * k + i] = 1;
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < k; p++) {
      diag += m[p * k + p]! ** 2;
      for (let q = p + 1; q < k; q++) off += m[p * k + q]! ** 2;
    }
    if (off <= 1e-24 * diag) break;
    for (let p = 0; p < k; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = m[p * k + q]!;
        if (apq === 0) continue;
        const theta = (m[q * k + q]! - m[p * k + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cos = 1 / Math.sqrt(t * t + 1);
        const sin = t * cos;
        for (let r = 0; r < k; r++) {
          const [x, y] = [m[r * k + p]!, m[r * k + q]!];
          m[r * k + p] = cos * x - sin * y;
          m[r * k + q] = sin * x + cos * y;
        }
        for (let r = 0; r < k; r++) {
          const [x, y] = [m[p * k + r]!, m[q * k + r]!];
          m[p * k + r] = cos * x - sin * y;
          m[q * k + r] = sin * x + cos * y;
        }
        for (let r = 0; r < k; r++) {
          const [x, y] = [v[r * k + p]!, v[r * k + q]!];
          v[r * k + p] = cos * x - sin * y;
          v[r * k + q] = sin * x + cos * y;
        }
      }
    }
  }
  const order = Array.from({ length: k }, (_, i) => i).sort((i, j) => m[j * k + j]! - m[i * k + i]!);
  const vectors = new Float64Array(k * k);
  order.forEach((col, row) => {
    for (let r = 0; r < k; r++) vectors[row * k + r] = v[r * k + col]!;
  });
  return { values: Float64Array.from(order, (i) => m[i * k + i]!), vectors };
}

/**
 * The k leading eigenvectors [k, C] of the symmetric m [C, C]: subspace iteration from a seeded random start
 * (Rayleigh–Ritz at the end orders them), with the share of the trace they hold.
 */
export function leadingEigenvectors(m: Float64Array, c: number, k: number, seed: number, iterations = 40): { vectors: Float64Array; kept: number } {
  const random = rng(seed);
  let q = Float64Array.from({ length: k * c }, () => random() - 0.5);
  orthonormalizeRows(q, k, c);
  const mq = new Float64Array(k * c);
  const multiply = () => {
    mq.fill(0);
    for (let i = 0; i < k; i++) {
      for (let r = 0; r < c; r++) {
        let s = 0;
        for (let t = 0; t < c; t++) s += m[r * c + t]! * q[i * c + t]!;
        mq[i * c + r] = s;
      }
    }
  };
  for (let it = 0; it < iterations; it++) {
    multiply();
    [q] = [Float64Array.from(mq)];
    orthonormalizeRows(q, k, c);
  }
  multiply();
  const small = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) for (let t = 0; t < c; t++) small[i * k + j]! += q[i * c + t]! * mq[j * c + t]!;
  const { values, vectors: rot } = jacobiEigen(small, k);
  const vectors = new Float64Array(k * c);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) for (let t = 0; t < c; t++) vectors[i * c + t]! += rot[i * k + j]! * q[j * c + t]!;
  let trace = 0;
  for (let i = 0; i < c; i++) trace += m[i * c + i]!;
  return { vectors, kept: trace > 0 ? values.reduce((s, x) => s + x, 0) / trace : 1 };
}

export interface ChannelProjection {
  /** [k, C]. */
  p: Float32Array;
  k: number;
  /** Share of the second moment's trace the k directions hold. */
  kept: number;
}

/** P from the rows of `fitMaps`. */
export async function channelProjection(
  fitMaps: Float32Array,
  n: number,
  c: number,
  plane: number,
  k: number,
  seed: number,
): Promise<ChannelProjection> {
  const m = await secondMoment(fitMaps, n, c, plane);
  const { vectors, kept } = leadingEigenvectors(m, c, k, seed);
  return { p: Float32Array.from(vectors), k, kept };
}

/** y = P·a per position: [n, k, h, w] from [n, C, h, w], a 1×1 Conv run by ONNX Runtime. */
export async function projectMaps(
  maps: Float32Array,
  n: number,
  c: number,
  height: number,
  width: number,
  proj: ChannelProjection,
): Promise<Float32Array> {
  const e = new NodeEmitter(13, 'project');
  e.nodes.push({ opType: 'Conv', input: ['a', e.constFloat(proj.p, [proj.k, c, 1, 1])], output: ['y'] });
  const model = buildModel({
    opset: 13,
    inputs: [{ name: 'a', dims: ['N', c, height, width] }],
    outputs: ['y'],
    nodes: e.nodes,
    initializers: e.initializers,
  });
  const session = await ort.InferenceSession.create(encodeModel(model));
  const plane = height * width;
  const out = new Float32Array(n * proj.k * plane);
  try {
    for (let start = 0; start < n; start += ROWS_PER_RUN) {
      const rows = Math.min(ROWS_PER_RUN, n - start);
      const a = new ort.Tensor('float32', maps.subarray(start * c * plane, (start + rows) * c * plane), [rows, c, height, width]);
      out.set((await session.run({ a })).y!.data as Float32Array, start * proj.k * plane);
    }
    return out;
  } finally {
    await session.release();
  }
}

/** W [F, k, 3, 3] on y = P·a as weights [F, C, 3, 3] on a: Σ_j W[f, j]·P[j, c]. */
export function foldProjection(w: Float32Array, filters: number, proj: ChannelProjection, c: number, kernel: number): Float32Array {
  const { p, k } = proj;
  const out = new Float32Array(filters * c * kernel);
  for (let f = 0; f < filters; f++) {
    for (let j = 0; j < k; j++) {
      const row = p.subarray(j * c, (j + 1) * c);
      for (let t = 0; t < kernel; t++) {
        const wv = w[(f * k + j) * kernel + t]!;
        if (wv === 0) continue;
        for (let ch = 0; ch < c; ch++) out[(f * c + ch) * kernel + t]! += wv * row[ch]!;
      }
    }
  }
  return out;
}
