// Multinomial logistic regression with L2 (softmax regression; Bishop 2006, "Pattern Recognition and Machine
// Learning", §4.3.4): minimizes mean cross-entropy + λ/2·‖W‖² by L-BFGS on standardized features, with early
// stopping on a validation set, and returns W, b for the raw features. The N×K·K×C products run in ONNX Runtime.
import * as ort from 'onnxruntime-node';
import { buildModel } from '../onnx/modelBuilder.js';
import { NodeEmitter } from '../onnx/nodeEmitter.js';
import { encodeModel, makeAttribute } from '../onnx/onnxModel.js';
import { type StopReason, lbfgs } from './lbfgs.js';

export interface LabelledFeatures {
  /** [n, K] row-major; standardized in place by the fit. */
  x: Float32Array;
  /** Class index per row. */
  labels: Int32Array;
  n: number;
}

export interface SoftmaxHead {
  /** [C, K] row-major. */
  weights: Float32Array;
  bias: Float32Array;
}

export interface FitOptions {
  classes: number;
  features: number;
  /** λ of λ/2·‖W‖² (on standardized features, added to the mean cross-entropy). */
  l2: number;
  maxIterations?: number;
  /** Iterations without a better validation loss before stopping. */
  patience?: number;
  /** Rows × classes per ONNX Runtime run (bounds the N×C intermediates). */
  chunkElements?: number;
  onIteration?: (p: { iteration: number; loss: number; valLoss: number | null }) => void;
}

export interface FitResult {
  /** The head on raw (unstandardized) features. */
  head: SoftmaxHead;
  iterations: number;
  stoppedBy: StopReason | 'earlyStopping';
  /** Regularized training objective at the returned head. */
  loss: number;
  valLoss: number | null;
  /** Argmax of the returned head on each validation row. */
  valPredictions: Int32Array;
}

const DEFAULT_CHUNK_ELEMENTS = 1 << 23;

/** The per-chunk ONNX graphs: 'gradient' gives row losses and the summed gradients, 'evaluate' row losses and argmax. */
function objectiveGraph(mode: 'gradient' | 'evaluate', classes: number): Uint8Array {
  const e = new NodeEmitter(13, 'fit');
  const z = e.op('Gemm', ['x', 'w', 'b'], { transB: 1 });
  const logProb = e.op('LogSoftmax', [z], { axis: 1 });
  const oneHot = e.op('OneHot', [e.op('Cast', ['y'], { to: 7 }), e.constInt64([classes], []), e.constFloat([0, 1], [2])], { axis: -1 });
  const nodes = e.nodes;
  nodes.push({ opType: 'Neg', input: [e.reduceSum(e.op('Mul', [logProb, oneHot]), [1], false)], output: ['row_loss'] });
  const outputs = ['row_loss'];
  if (mode === 'gradient') {
    const residual = e.op('Sub', [e.op('Exp', [logProb]), oneHot]);
    nodes.push({ opType: 'Gemm', input: [residual, 'x'], output: ['grad_w'], attribute: [makeAttribute('transA', 1)] });
    nodes.push({ opType: 'Identity', input: [e.reduceSum(residual, [0], false)], output: ['grad_b'] });
    outputs.push('grad_w', 'grad_b');
  } else {
    nodes.push({
      opType: 'Cast',
      input: [e.op('ArgMax', [z], { axis: 1, keepdims: 0 })],
      output: ['prediction'],
      attribute: [makeAttribute('to', 1)],
    });
    outputs.push('prediction');
  }
  return encodeModel(
    buildModel({
      opset: 13,
      inputs: [
        { name: 'x', dims: ['N', 'K'] },
        { name: 'y', dims: ['N'] },
        { name: 'w', dims: [classes, 'K'] },
        { name: 'b', dims: [classes] },
      ],
      outputs,
      nodes,
      initializers: e.initializers,
    }),
  );
}

/** Row chunks of a feature set as ORT tensors, made once per fit. */
interface Chunk {
  x: ort.Tensor;
  y: ort.Tensor;
  rows: number;
}

function chunksOf(d: LabelledFeatures, k: number, rowsPerChunk: number): Chunk[] {
  const out: Chunk[] = [];
  for (let start = 0; start < d.n; start += rowsPerChunk) {
    const rows = Math.min(rowsPerChunk, d.n - start);
    out.push({
      x: new ort.Tensor('float32', d.x.subarray(start * k, (start + rows) * k), [rows, k]),
      y: new ort.Tensor('float32', Float32Array.from(d.labels.subarray(start, start + rows)), [rows]),
      rows,
    });
  }
  return out;
}

/** Mean and standard deviation per feature over `d`; constant features get σ = 1. */
function featureMoments(d: LabelledFeatures, k: number): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(k);
  const sq = new Float64Array(k);
  for (let r = 0; r < d.n; r++) for (let j = 0; j < k; j++) mean[j]! += d.x[r * k + j]!;
  for (let j = 0; j < k; j++) mean[j]! /= Math.max(1, d.n);
  for (let r = 0; r < d.n; r++) {
    for (let j = 0; j < k; j++) {
      const c = d.x[r * k + j]! - mean[j]!;
      sq[j]! += c * c;
    }
  }
  const std = Float64Array.from(sq, (s, j) => {
    const v = Math.sqrt(s / Math.max(1, d.n));
    return v > 1e-12 * Math.max(1, Math.abs(mean[j]!)) ? v : 1;
  });
  return { mean, std };
}

function standardize(d: LabelledFeatures, k: number, mean: Float64Array, std: Float64Array): void {
  for (let r = 0; r < d.n; r++) for (let j = 0; j < k; j++) d.x[r * k + j] = (d.x[r * k + j]! - mean[j]!) / std[j]!;
}

export async function fitSoftmaxRegression(train: LabelledFeatures, val: LabelledFeatures | null, opts: FitOptions): Promise<FitResult> {
  const { classes: c, features: k, l2 } = opts;
  if (train.n === 0) throw new Error('fitSoftmaxRegression: no training rows');
  const { mean, std } = featureMoments(train, k);
  standardize(train, k, mean, std);
  if (val) standardize(val, k, mean, std);
  const rowsPerChunk = Math.max(1, Math.floor((opts.chunkElements ?? DEFAULT_CHUNK_ELEMENTS) / Math.max(c, k)));
  const trainChunks = chunksOf(train, k, rowsPerChunk);
  const valChunks = val && val.n > 0 ? chunksOf(val, k, rowsPerChunk) : [];
  const sessionOptions: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all' };
  const gradientSession = await ort.InferenceSession.create(objectiveGraph('gradient', c), sessionOptions);
  const evaluateSession = await ort.InferenceSession.create(objectiveGraph('evaluate', c), sessionOptions);
  const params = (theta: Float64Array) => ({
    w: new ort.Tensor('float32', Float32Array.from(theta.subarray(0, c * k)), [c, k]),
    b: new ort.Tensor('float32', Float32Array.from(theta.subarray(c * k)), [c]),
  });
  const penalty = (theta: Float64Array) => {
    let s = 0;
    for (let i = 0; i < c * k; i++) s += theta[i]! * theta[i]!;
    return (l2 / 2) * s;
  };

  /** Mean cross-entropy, and argmax per row, of the head θ on standardized chunks. */
  const evaluate = async (chunks: Chunk[], n: number, theta: Float64Array) => {
    const p = params(theta);
    let loss = 0;
    const predictions = new Int32Array(n);
    let offset = 0;
    for (const ch of chunks) {
      const out = await evaluateSession.run({ x: ch.x, y: ch.y, ...p });
      for (const v of out.row_loss!.data as Float32Array) loss += v;
      predictions.set(out.prediction!.data as Float32Array, offset);
      offset += ch.rows;
    }
    return { loss: loss / n, predictions };
  };

  try {
    const objective = async (theta: Float64Array) => {
      const p = params(theta);
      let loss = 0;
      const g = new Float64Array(c * k + c);
      for (const ch of trainChunks) {
        const out = await gradientSession.run({ x: ch.x, y: ch.y, ...p });
        for (const v of out.row_loss!.data as Float32Array) loss += v;
        const gw = out.grad_w!.data as Float32Array;
        const gb = out.grad_b!.data as Float32Array;
        for (let i = 0; i < c * k; i++) g[i]! += gw[i]!;
        for (let i = 0; i < c; i++) g[c * k + i]! += gb[i]!;
      }
      for (let i = 0; i < g.length; i++) g[i]! /= train.n;
      for (let i = 0; i < c * k; i++) g[i]! += l2 * theta[i]!;
      return { f: loss / train.n + penalty(theta), g };
    };

    const patience = opts.patience ?? 10;
    let best: { theta: Float64Array; valLoss: number; f: number } | null = null;
    let sinceBest = 0;
    const result = await lbfgs(objective, new Float64Array(c * k + c), {
      maxIterations: opts.maxIterations ?? 300,
      gradientTolerance: 1e-5,
      relativeTolerance: 1e-9,
      onIteration: async (iteration, theta, e) => {
        const valLoss = valChunks.length ? (await evaluate(valChunks, val!.n, theta)).loss : null;
        opts.onIteration?.({ iteration, loss: e.f, valLoss });
        if (valLoss === null) return false;
        if (!best || valLoss < best.valLoss) {
          best = { theta: Float64Array.from(theta), valLoss, f: e.f };
          sinceBest = 0;
          return false;
        }
        return ++sinceBest >= patience;
      },
    });
    // With validation data the head is the one with the best validation loss seen.
    const chosen: { theta: Float64Array; valLoss: number | null; f: number } = best ?? { theta: result.x, valLoss: null, f: result.f };
    const valPredictions = valChunks.length ? (await evaluate(valChunks, val!.n, chosen.theta)).predictions : new Int32Array(0);
    return {
      head: foldStandardization(chosen.theta, c, k, mean, std),
      iterations: result.iterations,
      stoppedBy: result.stoppedBy === 'callback' ? 'earlyStopping' : result.stoppedBy,
      loss: chosen.f,
      valLoss: chosen.valLoss,
      valPredictions,
    };
  } finally {
    await gradientSession.release();
    await evaluateSession.release();
  }
}

/** W̃(x − μ)/σ + b̃ = (W̃/σ)·x + (b̃ − W̃·μ/σ): the same head on raw features. */
function foldStandardization(theta: Float64Array, c: number, k: number, mean: Float64Array, std: Float64Array): SoftmaxHead {
  const weights = new Float32Array(c * k);
  const bias = new Float32Array(c);
  for (let cl = 0; cl < c; cl++) {
    let shift = 0;
    for (let j = 0; j < k; j++) {
      const w = theta[cl * k + j]! / std[j]!;
      weights[cl * k + j] = w;
      shift += w * mean[j]!;
    }
    bias[cl] = theta[c * k + cl]! - shift;
  }
  return { weights, bias };
}
