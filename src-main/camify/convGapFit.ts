// Trains the conv-gap head (convGapGraph.ts) on frozen maps: mean cross-entropy + λ/2·(‖Wc‖² + ‖Wf‖²) by
// Adam on seeded minibatches with a cosine learning-rate decay over maxEpochs (Loshchilov & Hutter 2017, SGDR,
// one cycle), maps scaled per channel (no shift, so zero padding stays zero and the scale folds
// exactly into Wc), early stopping on the validation loss. Gradients come from ONNX Runtime runs of the graph.
import * as ort from 'onnxruntime-node';
import { rng } from '../../src-shared/random.js';
import { Adam } from './adam.js';
import { KERNEL, convGapGraph } from './convGapGraph.js';
import { takeRows } from './split.js';
import { type ChannelProjection, channelProjection, foldProjection, projectMaps } from './channelProjection.js';

export interface LabelledMaps {
  /** [n, C, h, w] row-major; scaled in place by the fit unless it projects the channels (then a projected copy is). */
  maps: Float32Array;
  /** [n, classes]: the target distribution per row. */
  targets: Float32Array;
  n: number;
}

export interface ConvGapHead {
  /** [F, C, 3, 3]. */
  convWeights: Float32Array;
  /** [F]. */
  convBias: Float32Array;
  /** The conv's dilation (absent: 1). */
  dilation?: number;
  /** [classes, F]: the CAM weights over the new conv's channels. */
  weights: Float32Array;
  bias: Float32Array;
}

export interface ConvGapOptions {
  classes: number;
  channels: number;
  height: number;
  width: number;
  filters: number;
  l2: number;
  seed: number;
  learningRate?: number;
  batchSize?: number;
  maxEpochs?: number;
  /** Epochs without a better validation loss before stopping. */
  patience?: number;
  /** Channels the maps are compressed to before the fit (channelProjection.ts); ≥ channels: none. */
  projectedChannels?: number;
  /** The 3×3 conv's dilation (its taps d cells apart, zero padding d). */
  dilation?: number;
  onIteration?: (p: { iteration: number; loss: number; valLoss: number | null }) => void;
}

export interface ConvGapFitResult {
  head: ConvGapHead;
  /** Epochs run. */
  iterations: number;
  stoppedBy: 'earlyStopping' | 'maxIterations';
  /** Mean training cross-entropy of the last epoch's minibatches. */
  loss: number;
  valLoss: number | null;
  valPredictions: Int32Array;
}

// Measured on shapes-fc distillation (400 images): 1e-3 had not converged after 25 epochs; a constant 1e-2 ends noisy.
// 12 epochs over the 4 views of each training image (camify.ts) agree as well as 16 (README); 32 projected channels
// as well as all 96, at a third of the work per epoch.
export const CONV_GAP_DEFAULTS = { learningRate: 1e-2, batchSize: 32, maxEpochs: 12, patience: 8, projectedChannels: 32 };

/** Root mean square of each channel over `d`'s positions; a silent channel gets 1. */
function channelScales(d: LabelledMaps, c: number, plane: number): Float64Array {
  const sq = new Float64Array(c);
  for (let r = 0; r < d.n; r++) {
    for (let ch = 0; ch < c; ch++) {
      const base = (r * c + ch) * plane;
      for (let p = 0; p < plane; p++) sq[ch]! += d.maps[base + p]! ** 2;
    }
  }
  return Float64Array.from(sq, (s) => Math.sqrt(s / Math.max(1, d.n * plane)) || 1);
}

function scale(d: LabelledMaps, c: number, plane: number, s: Float64Array): void {
  for (let r = 0; r < d.n; r++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) d.maps[(r * c + ch) * plane + p]! /= s[ch]!;
}

/** He-normal conv weights (seeded Box–Muller), zero biases and a zero classifier. */
function initialParameters(sizes: ParameterSizes, fanIn: number, seed: number): Float64Array {
  const theta = new Float64Array(sizes.total);
  const random = rng(seed);
  const sd = Math.sqrt(2 / fanIn);
  for (let i = 0; i < sizes.wc; i++) theta[i] = sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return theta;
}

interface ParameterSizes {
  wc: number;
  bc: number;
  wf: number;
  bf: number;
  total: number;
}

export async function fitConvGapHead(train: LabelledMaps, val: LabelledMaps | null, o: ConvGapOptions): Promise<ConvGapFitResult> {
  const { classes, channels: sourceChannels, height: h, width: w, filters: f, l2 } = o;
  const { learningRate, batchSize, maxEpochs, patience, projectedChannels } = { ...CONV_GAP_DEFAULTS, ...definedOnly(o) };
  if (train.n === 0) throw new Error('fitConvGapHead: no training rows');
  const plane = h * w;
  let projection: ChannelProjection | null = null;
  if (projectedChannels < sourceChannels) {
    projection = await channelProjection(train.maps, train.n, sourceChannels, plane, projectedChannels, o.seed);
    const project = async (d: LabelledMaps): Promise<LabelledMaps> => ({
      ...d,
      maps: await projectMaps(d.maps, d.n, sourceChannels, h, w, projection!),
    });
    train = await project(train);
    if (val) val = await project(val);
  }
  const c = projection ? projection.k : sourceChannels;
  const rowSize = c * plane;
  const scales = channelScales(train, c, plane);
  scale(train, c, plane, scales);
  if (val) scale(val, c, plane, scales);
  const sizes: ParameterSizes = { wc: f * c * KERNEL * KERNEL, bc: f, wf: classes * f, bf: classes, total: 0 };
  sizes.total = sizes.wc + sizes.bc + sizes.wf + sizes.bf;
  const theta = initialParameters(sizes, c * KERNEL * KERNEL, o.seed);
  const sessionOptions: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all' };
  const gradientSession = await ort.InferenceSession.create(convGapGraph('gradient', classes, plane, o.dilation ?? 1), sessionOptions);
  const evaluateSession = await ort.InferenceSession.create(convGapGraph('evaluate', classes, plane, o.dilation ?? 1), sessionOptions);

  const parts = (t: Float64Array) => {
    let at = 0;
    const take = (len: number, dims: number[]) => new ort.Tensor('float32', Float32Array.from(t.subarray(at, (at += len))), dims);
    return { wc: take(sizes.wc, [f, c, KERNEL, KERNEL]), bc: take(sizes.bc, [f]), wf: take(sizes.wf, [classes, f]), bf: take(sizes.bf, [classes]) };
  };
  const batchOf = (d: LabelledMaps, rows: number[]) => ({
    a: new ort.Tensor('float32', takeRows(d.maps, rowSize, rows), [rows.length, c, h, w]),
    p: new ort.Tensor('float32', takeRows(d.targets, classes, rows), [rows.length, classes]),
  });

  /** Mean cross-entropy and argmax per row of the head θ on `d`. */
  const evaluate = async (d: LabelledMaps, t: Float64Array) => {
    const p = parts(t);
    let loss = 0;
    const predictions = new Int32Array(d.n);
    for (let start = 0; start < d.n; start += batchSize) {
      const rows = Array.from({ length: Math.min(batchSize, d.n - start) }, (_, i) => start + i);
      const out = await evaluateSession.run({ ...batchOf(d, rows), ...p });
      for (const v of out.row_loss!.data as Float32Array) loss += v;
      predictions.set(out.prediction!.data as Float32Array, start);
    }
    return { loss: loss / d.n, predictions };
  };

  try {
    const adam = new Adam(sizes.total, learningRate);
    const random = rng(o.seed + 1);
    const order = Array.from({ length: train.n }, (_, i) => i);
    const g = new Float64Array(sizes.total);
    const penalized = [
      [0, sizes.wc],
      [sizes.wc + sizes.bc, sizes.wc + sizes.bc + sizes.wf],
    ] as const;
    let best: { theta: Float64Array; valLoss: number } | null = null;
    let sinceBest = 0;
    let epoch = 0;
    let loss = 0;
    let stoppedBy: ConvGapFitResult['stoppedBy'] = 'maxIterations';
    while (epoch < maxEpochs) {
      epoch++;
      for (let i = train.n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      loss = 0;
      const rate = 0.5 * (1 + Math.cos((Math.PI * (epoch - 1)) / maxEpochs));
      for (let start = 0; start < train.n; start += batchSize) {
        const rows = order.slice(start, start + batchSize);
        const out = await gradientSession.run({ ...batchOf(train, rows), ...parts(theta) });
        for (const v of out.row_loss!.data as Float32Array) loss += v;
        let at = 0;
        for (const name of ['grad_wc', 'grad_bc', 'grad_wf', 'grad_bf']) {
          for (const v of out[name]!.data as Float32Array) g[at++] = v / rows.length;
        }
        for (const [from, to] of penalized) for (let i = from; i < to; i++) g[i]! += l2 * theta[i]!;
        adam.step(theta, g, rate);
      }
      loss /= train.n;
      const valLoss = val && val.n ? (await evaluate(val, theta)).loss : null;
      o.onIteration?.({ iteration: epoch, loss, valLoss });
      if (valLoss === null) continue;
      if (!best || valLoss < best.valLoss) {
        best = { theta: Float64Array.from(theta), valLoss };
        sinceBest = 0;
      } else if (++sinceBest >= patience) {
        stoppedBy = 'earlyStopping';
        break;
      }
    }
    const chosen = best?.theta ?? theta;
    const valPredictions = val && val.n ? (await evaluate(val, chosen)).predictions : new Int32Array(0);
    const head = foldScales(chosen, sizes, c, scales);
    if (projection) head.convWeights = foldProjection(head.convWeights, f, projection, sourceChannels, KERNEL * KERNEL);
    nonNegativeWeights(head.weights, classes, f);
    if ((o.dilation ?? 1) !== 1) head.dilation = o.dilation;
    return { head, iterations: epoch, stoppedBy, loss, valLoss: best?.valLoss ?? null, valPredictions };
  } finally {
    await gradientSession.release();
    await evaluateSession.release();
  }
}

const definedOnly = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * Shifts each filter's classifier weights by their minimum over the classes, w[k, f] −= min_k w[k, f], in place.
 * Every logit gains the same Σ_f −min_f·g_f, so the softmax and the top-1 are unchanged; the weights — the CAM
 * weights — become ≥ 0, so a class map is a non-negative sum of the ReLU maps, without the deep negative regions
 * that other classes' evidence leaves around the object (which min-max normalization turns into a bright background).
 */
export function nonNegativeWeights(weights: Float32Array, classes: number, filters: number): void {
  for (let f = 0; f < filters; f++) {
    let min = Infinity;
    for (let k = 0; k < classes; k++) min = Math.min(min, weights[k * filters + f]!);
    for (let k = 0; k < classes; k++) weights[k * filters + f]! -= min;
  }
}

/** Conv(a/σ; Wc) = Conv(a; Wc/σ) per input channel: the same head on raw maps. */
function foldScales(theta: Float64Array, sizes: ParameterSizes, c: number, scales: Float64Array): ConvGapHead {
  const k2 = KERNEL * KERNEL;
  const convWeights = Float32Array.from(theta.subarray(0, sizes.wc), (v, i) => v / scales[Math.floor(i / k2) % c]!);
  let at = sizes.wc;
  const next = (len: number) => Float32Array.from(theta.subarray(at, (at += len)));
  return { convWeights, convBias: next(sizes.bc), weights: next(sizes.wf), bias: next(sizes.bf) };
}
