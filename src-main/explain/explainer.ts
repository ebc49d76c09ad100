// Explains images with a classifier: preprocessing, batched engine runs, predictions, maps and boxes.
import { CamscopeError } from '../errors.js';
import { type RgbImage, decodeImage, resizeRgb } from '../image/imageInput.js';
import { ClassifierModel } from '../model/classifierModel.js';
import { type CamHead, camHeadAt } from '../model/camHead.js';
import { type AttentionSpec, attentionOf } from '../model/attention.js';
import { Labels } from '../model/labels.js';
import type { ProbeCache } from '../onnx/probeCache.js';
import { type PreprocessingFlags, preprocessingFromMetadata, resolvePreprocessing, toInputTensor } from '../model/preprocessing.js';
import type { ImageResult, MapResult, Prediction, Preprocessing } from '../../src-shared/explainTypes.js';
import { DEFAULT_HEAD_BATCH, DEFAULT_INPUT_BATCH } from '../../src-shared/methodCost.js';
import { type EngineResult, ExplainEngine, type Score, type Target } from './engine.js';
import type { MethodChoice } from './methods/index.js';
import type { MapGrid } from './postprocess/mapGrid.js';
import type { AttentionMaps, PerturbationPasses } from './methods/method.js';
import { WSOL_THRESHOLD, boxFromMap, validThreshold } from '../../src-shared/wsolBox.js';
import { type ConcreteDevice, type Device, resolveDevice } from './device.js';

export interface ModelOptions extends PreprocessingFlags {
  labels?: string;
  labelOffset?: number;
  /** The classifier output, when the model has several (--output). */
  output?: string;
  /** Where ONNX Runtime runs the model and its gradient and head graphs (default cpu). */
  device?: Device;
}

export interface ExplainOptions {
  methods: MethodChoice[];
  /** Target layers, each 'auto' (the default layer) or a tensor name; default ['auto']. */
  layers?: string[];
  target: Target;
  /** What gradient methods differentiate: the raw logit (default) or the softmax score. */
  score?: Score;
  /** WSOL threshold as a fraction of the map's range (default WSOL_THRESHOLD, 0.2). */
  threshold?: number;
  batchSize?: number;
  /** Rows per head sub-graph run for Ablation-CAM and Recipro-CAM (default 64). */
  headBatchSize?: number;
  /** Rows per full-model run for Score-CAM (default 16; 1 at a time when the model's batch is fixed). */
  inputBatchSize?: number;
}

export interface LoadedBatch {
  images: RgbImage[];
  /** [N, 3, H, W], preprocessed */
  input: Float32Array;
}

export interface ExplainedImage {
  result: ImageResult;
  /** Decoded original pixels, for overlays. */
  rgb: RgbImage;
}

/** Prefetched batches kept at once: the next one and the one after (a caller may run a batch ahead of `explain`). */
const PREFETCH_SLOTS = 2;

export class Explainer {
  readonly engine: ExplainEngine;

  private constructor(
    readonly model: ClassifierModel,
    readonly preprocessing: Preprocessing,
    readonly labels: Labels,
    /** Set when --device auto chose for the user (which device, or why the CPU). */
    readonly deviceNotice?: string,
    readonly device: ConcreteDevice = 'cpu',
  ) {
    this.engine = new ExplainEngine(model, device);
  }

  /** `probeCaches`: where what the shape probe learns is looked up and kept (ClassifierModel.open; the user cache by default). */
  static async open(file: string, opts: ModelOptions = {}, probeCaches?: ProbeCache[]): Promise<Explainer> {
    const { device, notice } = resolveDevice(opts.device ?? 'cpu');
    // Symbolic input sizes are filled from the preprocessing, which may come from the model's metadata.
    const model = await ClassifierModel.open(
      file,
      (metadata) => resolvePreprocessing(opts, preprocessingFromMetadata(metadata, file), undefined),
      probeCaches,
      { output: opts.output },
    );
    const meta = preprocessingFromMetadata(model.metadata, file);
    const staticSize = typeof model.inputDims[2] === 'number' && typeof model.inputDims[3] === 'number' ? model.inputSize : undefined;
    const pre = resolvePreprocessing(opts, meta, staticSize, model.form.inputType === 'uint8' ? 'pixels' : 'imagenet');
    const labels = opts.labels
      ? Labels.fromFile(opts.labels, opts.labelOffset ?? 0)
      : Labels.forModel(model.metadata, model.numClasses, opts.labelOffset);
    return new Explainer(model, pre, labels, notice, device);
  }

  /** Checks a request before any work: layers, target range, CAM applicability. */
  prepare(opts: ExplainOptions): { layers: string[]; heads: Map<string, CamHead>; attention: Map<string, AttentionSpec> } {
    const layers = [...new Set((opts.layers?.length ? opts.layers : ['auto']).map((l) => this.model.resolveLayer(l)))];
    if (typeof opts.target === 'number' && (!Number.isInteger(opts.target) || opts.target < 0 || opts.target >= this.model.numClasses)) {
      throw new CamscopeError(`--target ${opts.target}: class index out of range (the model has ${this.model.numClasses} outputs)`);
    }
    if (opts.threshold !== undefined && !validThreshold(opts.threshold)) {
      throw new CamscopeError(`--threshold ${opts.threshold}: the localization threshold is a fraction in [0, 1]`);
    }
    const heads = new Map<string, CamHead>();
    const attention = new Map<string, AttentionSpec>();
    for (const layer of layers) {
      const rollout = opts.methods.find((m) => m.method.info.needs === 'attention');
      if (rollout) {
        const a = attentionOf(this.model, layer);
        if (typeof a === 'string') throw new CamscopeError(`${this.model.file}: ${rollout.method.info.title} does not apply at '${layer}': ${a}`);
        attention.set(layer, a);
      }
      if (opts.methods.some((m) => m.method.info.camHead)) {
        const h = camHeadAt(this.model, layer);
        if (!h.ok) throw new CamscopeError(`${this.model.file}: CAM does not apply at '${layer}': ${h.reason}`);
        heads.set(layer, h);
      } else if (opts.methods.some((m) => m.method.info.id === 'ablationcam')) {
        // Ablation-CAM takes its closed form where the layer feeds a CAM head.
        const h = camHeadAt(this.model, layer);
        if (h.ok) heads.set(layer, h);
      }
      // Perturbation methods on the head sub-graph: fail now if it cannot be extracted.
      if (opts.methods.some((m) => m.method.info.needs === 'headPasses')) this.engine.headGraph(layer);
    }
    return { layers, heads, attention };
  }

  /** Explains images in batches; `onBatch` sees each batch's results as they complete. */
  async explain(
    files: string[],
    opts: ExplainOptions,
    onBatch?: (done: ExplainedImage[], total: number) => Promise<void> | void,
  ): Promise<ImageResult[]> {
    const prepared = this.prepare(opts);
    const batchSize = this.model.dynamicBatch ? Math.max(1, opts.batchSize ?? 8) : 1;
    const results: ImageResult[] = [];
    for (let start = 0; start < files.length; start += batchSize) {
      this.prefetch(files.slice(start + batchSize, start + 2 * batchSize));
      const batch = await this.explainBatch(files.slice(start, start + batchSize), opts, prepared);
      results.push(...batch.map((b) => b.result));
      await onBatch?.(batch, files.length);
    }
    return results;
  }

  private readonly ahead = new Map<string, Promise<LoadedBatch>>();

  /**
   * Starts decoding a coming batch now, so that sharp's threads decode and resize it while ONNX Runtime
   * (which holds the JS thread during a run) explains the current one; the next loadBatch of exactly
   * these files takes the result. The latest PREFETCH_SLOTS prefetches are kept (the oldest is dropped),
   * so a caller that prefetches batch n+1 before calling `explain` on batch n still finds n's prefetch.
   */
  prefetch(files: string[]): void {
    if (files.length === 0) return;
    const key = files.join('\0');
    if (this.ahead.has(key)) return;
    const batch = this.decodeBatch(files);
    batch.catch(() => {}); // a failure is reported by the loadBatch that takes it
    this.ahead.set(key, batch);
    while (this.ahead.size > PREFETCH_SLOTS) this.ahead.delete(this.ahead.keys().next().value!);
  }

  /** Decodes and preprocesses images into one [N,3,H,W] tensor (the prefetched batch when it is these files). */
  loadBatch(files: string[]): Promise<LoadedBatch> {
    const key = files.join('\0');
    const ahead = this.ahead.get(key);
    if (!ahead) return this.decodeBatch(files);
    this.ahead.delete(key);
    return ahead;
  }

  private async decodeBatch(files: string[]): Promise<LoadedBatch> {
    const p = this.preprocessing;
    const plane = 3 * p.width * p.height;
    const input = new Float32Array(files.length * plane);
    // Each image resized and written into the tensor as soon as it is decoded (the others still decoding).
    const images = await Promise.all(
      files.map(async (f, i) => {
        const image = await decodeImage(f);
        toInputTensor(await resizeRgb(image, p.width, p.height), p, input, i * plane);
        return image;
      }),
    );
    return { images, input };
  }

  private async explainBatch(files: string[], opts: ExplainOptions, prepared: ReturnType<Explainer['prepare']>): Promise<ExplainedImage[]> {
    const { images, input } = await this.loadBatch(files);
    const explained = await this.explainInput(input, images, opts, prepared);
    return explained.map((e, row) => ({
      result: { image: files[row]!, width: images[row]!.width, height: images[row]!.height, ...e },
      rgb: images[row]!,
    }));
  }

  /**
   * Predictions and maps for an already preprocessed batch [n, 3, H, W]; `sizes` are the original
   * image sizes boxes are given in. One engine run is shared by every method and layer.
   */
  async explainInput(
    input: Float32Array,
    sizes: { width: number; height: number }[],
    opts: ExplainOptions,
    prepared = this.prepare(opts),
    /** Per-row targets overriding opts.target, e.g. each image's ground-truth class. */
    targets: Target[] = Array<Target>(sizes.length).fill(opts.target),
  ): Promise<{ predictions: Prediction[]; maps: MapResult[] }[]> {
    const { layers, heads, attention } = prepared;
    const n = sizes.length;
    // Forward+backward when any method needs gradients, else forward; the run also exposes what
    // head sub-graphs read when a method runs head passes.
    const needs = new Set(opts.methods.map((m) => m.method.info.needs));
    const runOpts = {
      heads: needs.has('headPasses') ? layers : [],
      score: opts.score,
      expose: [...attention.values()].flatMap((a) => a.tensors),
    };
    const out = needs.has('gradients')
      ? await this.engine.backward(input, n, layers, targets, runOpts)
      : await this.engine.forward(input, n, layers, runOpts);
    const classes = this.model.numClasses;
    const explained: { predictions: Prediction[]; maps: MapResult[] }[] = [];
    for (let row = 0; row < n; row++) {
      const logits = out.logits.subarray(row * classes, (row + 1) * classes);
      const rowTarget = targets[row]!;
      const target = rowTarget === 'top1' ? argmax(logits) : rowTarget;
      const img = sizes[row]!;
      const maps: MapResult[] = [];
      const mapResult = (id: string, layer: string, grid: MapGrid): MapResult => ({
        method: id,
        layer,
        target,
        width: grid.width,
        height: grid.height,
        values: Array.from(grid.values),
        box: boxFromMap(grid, img.width, img.height, opts.threshold ?? WSOL_THRESHOLD),
      });
      for (const { method, variant, id } of opts.methods) {
        const perLayer: MapGrid[] = [];
        for (const layer of layers) {
          const { activations, gradients, dims } = out.layers.get(layer)!;
          const [, channels, h, w] = dims;
          const size = h * w;
          const slice = (t: Float32Array) => t.subarray(row * channels * size, (row + 1) * channels * size);
          const values = await method.compute({
            activation: slice(activations),
            gradient: gradients && slice(gradients),
            channels,
            size,
            target,
            head: heads.get(layer),
            variant,
            passes: perturbationPasses(this.engine, out, row, layer, input, { headBatch: opts.headBatchSize, inputBatch: opts.inputBatchSize }),
            attention: attention.has(layer) ? attentionMaps(out, row, attention.get(layer)!) : undefined,
          });
          perLayer.push({ width: w, height: h, values });
          maps.push(mapResult(id, layer, perLayer.at(-1)!));
        }
        if (method.fuse && layers.length > 1) maps.push(mapResult(id, fusedLayerName(layers), method.fuse(perLayer)));
      }
      explained.push({ predictions: this.topK(logits, 5), maps });
    }
    return explained;
  }

  topK(logits: Float32Array, k: number): Prediction[] {
    const probs = softmax(logits);
    // Selection of the k best (ties: lower index first), without sorting all classes.
    const best: number[] = [];
    for (let i = 0; i < probs.length; i++) {
      if (best.length === k && probs[i]! <= probs[best[k - 1]!]!) continue;
      let j = Math.min(best.length, k - 1);
      while (j > 0 && probs[best[j - 1]!]! < probs[i]!) j--;
      best.splice(j, 0, i);
      if (best.length > k) best.pop();
    }
    return best.map((i) => ({ index: i, label: this.labels.name(i), score: probs[i]! }));
  }

  async close(): Promise<void> {
    await this.engine.release();
  }
}

/**
 * Head and full-model passes for perturbation methods on row `row` of an engine run (`out`, made
 * with `heads: [layer]` when head passes are used) of the preprocessed batch `input` [n, 3, H, W].
 */
export function perturbationPasses(
  engine: ExplainEngine,
  out: EngineResult,
  row: number,
  layer: string,
  input: Float32Array,
  opts: { headBatch?: number; inputBatch?: number } = {},
): PerturbationPasses {
  const model = engine.model;
  const classes = model.numClasses;
  const { width: inputWidth, height: inputHeight } = model.inputSize;
  const plane = 3 * inputWidth * inputHeight;
  const [, , layerHeight, layerWidth] = out.layers.get(layer)?.dims ?? (model.shapeOf(layer) as number[]);
  const headBatch = opts.headBatch ?? DEFAULT_HEAD_BATCH;
  const inputBatch = opts.inputBatch ?? DEFAULT_INPUT_BATCH;
  return {
    head: (a, m) => engine.runHead(layer, a, m, out, row, headBatch),
    model: (x, m) => engine.runModel(x, m, inputBatch),
    input: input.subarray(row * plane, (row + 1) * plane),
    logits: out.logits.subarray(row * classes, (row + 1) * classes),
    inputWidth,
    inputHeight,
    layerWidth: layerWidth!,
    layerHeight: layerHeight!,
    classes,
    headBatch,
    inputBatch,
  };
}

/** Row `row`'s attention weights [heads, T, T] per block from a run that exposed `spec.tensors`. */
export function attentionMaps(out: EngineResult, row: number, spec: AttentionSpec): AttentionMaps {
  const per = spec.heads * spec.tokens * spec.tokens;
  const blocks = spec.tensors.map((t) => (out.headFeeds.get(t)!.data as Float32Array).subarray(row * per, (row + 1) * per));
  return { blocks, heads: spec.heads, tokens: spec.tokens, prefix: spec.prefix };
}

/** The `layer` of a fused multi-layer map. */
export function fusedLayerName(layers: string[]): string {
  return `fused(${layers.join(' + ')})`;
}

/** First index of the maximum (ONNX ArgMax's tie rule). */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp(logits[i]! - max);
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}
