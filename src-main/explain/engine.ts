// Runs a classifier with target layers exposed (forward) or with their gradients (backward), one
// ONNX Runtime session run per batch. Sessions are cached per (mode, layer set). Perturbation
// methods also run the head sub-graph after a layer (`runHead`, one session per layer) and the
// whole model on batches of altered inputs (`runModel`).
import * as ort from 'onnxruntime-node';
import { CamscopeError, firstLine } from '../errors.js';
import { type ConcreteDevice, providersFor } from './device.js';
import type { ClassifierModel } from '../model/classifierModel.js';
import { buildGradientModel } from '../onnx/gradientGraph.js';
import { type HeadGraph, buildHeadGraph } from '../onnx/headGraph.js';
import { type ModelProto, GraphIndex, cloneModel, encodeModel, onnx } from '../onnx/onnxModel.js';
import { DEFAULT_HEAD_BATCH, DEFAULT_INPUT_BATCH } from '../../src-shared/methodCost.js';
import { type MapLayout, fromMaps, toMaps } from '../model/featureLayout.js';

export interface LayerOutputs {
  /** The map [N, K, h, w] row-major: a token or channels-last tensor read through its proven layout. */
  activations: Float32Array;
  /** ∂(Σ seed·logits)/∂A, same layout; only in gradient mode */
  gradients?: Float32Array;
  dims: [number, number, number, number];
  /** The layer tensor as the model computes it (same array as `activations` for NCHW layers). */
  tensor: Float32Array;
}

export interface EngineResult {
  /** [N, classes] */
  logits: Float32Array;
  layers: Map<string, LayerOutputs>;
  /** Rows in this run. */
  n: number;
  /**
   * Tensors exposed besides the layers: those computed before the layers in `heads` that their head
   * sub-graphs read (see headGraph.ts), and `RunOptions.expose` (attention weights).
   */
  headFeeds: Map<string, ort.Tensor>;
}

export interface RunOptions {
  /** Layers whose head sub-graph will be run on this result (`runHead`): their extra inputs are exposed too. */
  heads?: string[];
  /** Differentiate the raw logit (default, as Grad-CAM prescribes) or the softmax score. */
  score?: Score;
  /** More tensors to expose as they are (in `headFeeds`), e.g. attention Softmax outputs. */
  expose?: string[];
}

export type Score = 'logit' | 'softmax';

/** Per batch row: the class whose logit is differentiated ('top1' = the predicted class). */
export type Target = number | 'top1';

type SessionMode = 'forward' | 'gradient' | 'gradient-softmax';

interface CachedSession {
  session: ort.InferenceSession;
  gradientOutputs: Map<string, string>;
  /** Extra tensors exposed for head sub-graphs. */
  headFeeds: string[];
}

interface CachedHead {
  graph: HeadGraph;
  session: ort.InferenceSession;
}

export class ExplainEngine {
  private readonly sessions = new Map<string, Promise<CachedSession>>();
  private readonly heads = new Map<string, Promise<CachedHead>>();
  private readonly headPlans = new Map<string, HeadGraph>();

  constructor(
    readonly model: ClassifierModel,
    /** Every session of this engine (model, gradient graph, heads) runs on this device's execution provider. */
    readonly device: ConcreteDevice = 'cpu',
  ) {}

  /** Logits plus the activations of `layers`. */
  async forward(input: Float32Array, n: number, layers: string[], opts: RunOptions = {}): Promise<EngineResult> {
    const s = await this.session('forward', layers, this.exposedNames(opts));
    return this.run(s, input, n, layers, {});
  }

  /** Logits, activations and gradients of the target logit (one per row) w.r.t. `layers`. */
  async backward(input: Float32Array, n: number, layers: string[], targets: Target[], opts: RunOptions = {}): Promise<EngineResult> {
    const classes = this.model.numClasses;
    const dy = new Float32Array(n * classes);
    const top1 = new Float32Array(n);
    targets.forEach((t, row) => {
      if (t === 'top1') top1[row] = 1;
      else dy[row * classes + t] = 1;
    });
    const s = await this.session(opts.score === 'softmax' ? 'gradient-softmax' : 'gradient', layers, this.exposedNames(opts));
    return this.run(s, input, n, layers, {
      camscope_dy: new ort.Tensor('float32', dy, [n, classes]),
      camscope_top1: new ort.Tensor('float32', top1, [n, 1]),
    });
  }

  /** The head sub-graph after `layer` (structure only; element types of extra inputs assumed float). */
  headGraph(layer: string): HeadGraph {
    let g = this.headPlans.get(layer);
    if (!g) {
      g = buildHeadGraph(this.model, layer);
      this.headPlans.set(layer, g);
    }
    return g;
  }

  /**
   * Logits [m, classes] of the head after `layer` on `m` altered copies of one image's activations
   * ([m, K, h, w]); tensors the head reads besides the layer come from row `row` of `source` (a
   * forward or backward run made with `heads: [layer]`). Runs in batches of `batchSize`.
   */
  async runHead(
    layer: string,
    activations: Float32Array,
    m: number,
    source: EngineResult,
    row: number,
    batchSize = DEFAULT_HEAD_BATCH,
  ): Promise<Float32Array> {
    const [k, h, w] = this.model.mapShape(layer);
    const per = k * h * w;
    if (activations.length !== m * per) throw new Error(`runHead: ${activations.length} values for ${m} × ${k}×${h}×${w}`);
    const layout = this.model.mapLayoutOf(layer) as MapLayout;
    const dims = this.model.shapeOf(layer)!;
    const rowSize = dims.slice(1).reduce((a, b) => a * b, 1);
    const original = source.layers.get(layer)?.tensor.subarray(row * rowSize, (row + 1) * rowSize) ?? new Float32Array(rowSize);
    const head = await this.head(layer, source);
    const classes = this.model.numClasses;
    const out = new Float32Array(m * classes);
    await this.chunks(m, batchSize, async (start, count, padded) => {
      // The rows as they are when no padding is needed (a copy of a head batch is tens of MB on a full-size model).
      const rows = activations.subarray(start * per, (start + count) * per);
      const chunk = padded === count ? rows : new Float32Array(padded * per);
      if (chunk !== rows) chunk.set(rows);
      const tensor = fromMaps(chunk, padded, layout, dims, original);
      const feeds: Record<string, ort.Tensor> = { [layer]: new ort.Tensor('float32', tensor, [padded, ...dims.slice(1)]) };
      for (const x of head.graph.extraInputs) {
        const t = source.headFeeds.get(x.name);
        if (!t) throw new Error(`runHead: the source run did not expose '${x.name}' (run it with heads: ['${layer}'])`);
        feeds[x.name] = x.batched ? replicateRow(t, source.n, row, padded) : t;
      }
      let res: ort.InferenceSession.OnnxValueMapType;
      try {
        res = await head.session.run(feeds);
      } catch (e) {
        throw new CamscopeError(`${this.model.file}: the head sub-graph after '${layer}' failed (${firstLine(e)})`);
      }
      out.set((res[head.graph.output]!.data as Float32Array).subarray(0, count * classes), start * classes);
    });
    return out;
  }

  /** Logits [m, classes] of the whole model on preprocessed inputs [m, 3, H, W], in batches of `batchSize`. */
  async runModel(inputs: Float32Array, m: number, batchSize = DEFAULT_INPUT_BATCH): Promise<Float32Array> {
    const { height, width } = this.model.inputSize;
    const per = 3 * height * width;
    if (inputs.length !== m * per) throw new Error(`runModel: ${inputs.length} values for ${m} × 3×${height}×${width}`);
    const s = await this.session('forward', [], []);
    const classes = this.model.numClasses;
    const out = new Float32Array(m * classes);
    await this.chunks(m, batchSize, async (start, count, padded) => {
      const chunk = padded === count ? inputs.subarray(start * per, (start + count) * per) : new Float32Array(padded * per);
      if (padded !== count) chunk.set(inputs.subarray(start * per, (start + count) * per));
      const r = await this.run(s, chunk, padded, [], {});
      out.set(r.logits.subarray(0, count * classes), start * classes);
    });
    return out;
  }

  /** Batch size the model's input accepts: null when dynamic. */
  get staticBatch(): number | null {
    const d = this.model.inputDims[0];
    return typeof d === 'number' ? d : null;
  }

  /** Splits m rows into runs: up to batchSize with a dynamic batch, else exactly the static batch (padded). */
  private async chunks(m: number, batchSize: number, f: (start: number, count: number, padded: number) => Promise<void>): Promise<void> {
    const fixed = this.staticBatch;
    const size = fixed ?? Math.max(1, Math.floor(batchSize));
    for (let start = 0; start < m; start += size) {
      const count = Math.min(size, m - start);
      await f(start, count, fixed ?? count);
    }
  }

  async release(): Promise<void> {
    for (const s of this.sessions.values()) await (await s).session.release();
    this.sessions.clear();
    for (const h of this.heads.values()) await (await h).session.release();
    this.heads.clear();
  }

  private exposedNames(opts: RunOptions): string[] {
    const names = new Set<string>(opts.expose);
    for (const l of opts.heads ?? []) for (const x of this.headGraph(l).extraInputs) names.add(x.name);
    return [...names];
  }

  /** The head session for `layer`, built once with the element types `source` shows for its extra inputs. */
  private head(layer: string, source: EngineResult): Promise<CachedHead> {
    let h = this.heads.get(layer);
    if (!h) {
      h = (async () => {
        const types = new Map<string, number>();
        for (const x of this.headGraph(layer).extraInputs) {
          const t = source.headFeeds.get(x.name);
          if (t) types.set(x.name, ONNX_TYPES[t.type] ?? onnx.TensorProto.DataType.FLOAT);
        }
        const graph = buildHeadGraph(this.model, layer, types);
        try {
          const session = await modelSession(graph.model, this.device);
          return { graph, session };
        } catch (e) {
          throw new CamscopeError(`${this.model.file}: ONNX Runtime rejected the head sub-graph after '${layer}' (${firstLine(e)})`);
        }
      })();
      this.heads.set(layer, h);
      h.catch(() => this.heads.delete(layer));
    }
    return h;
  }

  private async run(s: CachedSession, input: Float32Array, n: number, layers: string[], extra: Record<string, ort.Tensor>): Promise<EngineResult> {
    const { height, width } = this.model.inputSize;
    const feeds = { [this.model.inputName]: new ort.Tensor('float32', input, [n, 3, height, width]), ...extra };
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await s.session.run(feeds);
    } catch (e) {
      throw new CamscopeError(`${this.model.file}: model execution failed (${firstLine(e)})`);
    }
    const logits = out[this.model.outputName]!.data as Float32Array;
    const headFeeds = new Map<string, ort.Tensor>();
    for (const name of s.headFeeds) headFeeds.set(name, out[name]!);
    const result = new Map<string, LayerOutputs>();
    for (const layer of layers) {
      const a = out[layer]!;
      const g = s.gradientOutputs.get(layer);
      const layout = this.model.mapLayoutOf(layer) as MapLayout;
      const tensor = a.data as Float32Array;
      result.set(layer, {
        activations: toMaps(tensor, n, layout, a.dims),
        gradients: g ? toMaps(out[g]!.data as Float32Array, n, layout, a.dims) : undefined,
        dims: [n, layout.channels, layout.height, layout.width],
        tensor,
      });
    }
    return { logits, layers: result, n, headFeeds };
  }

  private session(mode: SessionMode, layers: string[], headFeeds: string[]): Promise<CachedSession> {
    const key = `${mode}|${[...layers].sort().join('\u0000')}|${[...headFeeds].sort().join('\u0000')}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = this.createSession(mode, layers, headFeeds);
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }

  private async createSession(mode: SessionMode, layers: string[], headFeeds: string[]): Promise<CachedSession> {
    const m = this.model;
    let proto: ModelProto;
    let gradientOutputs = new Map<string, string>();
    if (mode !== 'forward') {
      let g;
      try {
        g = buildGradientModel(m.model, m.probe.shapes, layers, m.outputName, {
          top1Seed: true,
          softmaxSeed: mode === 'gradient-softmax',
          values: m.probe.values,
        });
      } catch (e) {
        throw e instanceof CamscopeError ? new CamscopeError(`${m.file}: ${e.message}`) : e;
      }
      proto = g.model;
      gradientOutputs = g.gradientOutputs;
    } else {
      proto = cloneModel(m.model);
      const graph = proto.graph!;
      const existing = new Set((graph.output ?? []).map((o) => o.name));
      for (const l of layers) if (!existing.has(l)) graph.output!.push({ name: l, type: { tensorType: { elemType: 1 } } });
    }
    // The logits may be an inner tensor (before the model's Softmax): expose them like any layer.
    exposeUntyped(proto, [m.outputName, ...headFeeds]);
    try {
      const session = await modelSession(proto, this.device);
      return { session, gradientOutputs, headFeeds };
    } catch (e) {
      throw new CamscopeError(`${m.file}: ONNX Runtime rejected the ${mode} graph (${firstLine(e)})`);
    }
  }
}

/** The quantizer ops whose fusions by ONNX Runtime round differently from their ONNX definition. */
const QUANTIZERS = new Set(['QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear']);

/**
 * ONNX Runtime session config entries of every engine session. Its intra-op threads sleep between runs
 * instead of spinning: the engine alternates sessions (forward or gradient, then head passes) whose thread
 * pools would otherwise spin against each other and against sharp's decoding threads; on a 2-core machine
 * that halved Recipro-CAM's CPU time and cut Grad-CAM's by a third at the same maps.
 */
export const SESSION_CONFIG = { session: { intra_op: { allow_spinning: '0' } } } as const;

/**
 * A session on a graph derived from the model. Graphs that still hold quantizers run unoptimized:
 * ONNX Runtime's optimizers fuse DequantizeLinear → op → QuantizeLinear into integer kernels that
 * round differently from the ONNX definition of the quantizers (up to 2 % of a map's max on the test
 * corpus), and the maps are to follow the model's specified arithmetic. A weights-only QDQ model,
 * whose DequantizeLinear of constants were folded to floats, has none left and is optimized like
 * any float model (the bundled MobileNets: 1.8× faster).
 */
async function modelSession(model: ModelProto, device: ConcreteDevice): Promise<ort.InferenceSession> {
  const executionProviders = providersFor(device);
  const quantized = (model.graph?.node ?? []).some((n) => QUANTIZERS.has(n.opType ?? ''));
  try {
    return await ort.InferenceSession.create(encodeModel(model), {
      graphOptimizationLevel: quantized ? 'disabled' : 'all',
      executionProviders,
      extra: SESSION_CONFIG,
    });
  } catch (e) {
    // A provider that is present but cannot start (no driver, wrong CUDA) is named, not blamed on the graph.
    if (device !== 'cpu' && /provider|cuda|dml|coreml|library|\.so|\.dll/i.test(firstLine(e))) {
      throw new CamscopeError(`--device ${device}: ONNX Runtime could not start the ${device} execution provider (${firstLine(e)})`);
    }
    throw e;
  }
}

/** Adds graph outputs for tensors of any element type (the model's value_info type when it has one). */
function exposeUntyped(proto: ModelProto, names: string[]): void {
  const graph = proto.graph!;
  const existing = new Set((graph.output ?? []).map((o) => o.name));
  const declared = new Map<string, number>();
  for (const v of [...(graph.valueInfo ?? []), ...(graph.input ?? [])]) {
    const t = v.type?.tensorType?.elemType;
    if (v.name && t) declared.set(v.name, t);
  }
  const index = new GraphIndex(graph);
  for (const name of names) {
    if (existing.has(name) || index.initializers.has(name)) continue;
    const elemType = declared.get(name);
    graph.output!.push(elemType ? { name, type: { tensorType: { elemType } } } : { name });
  }
}

const DT = onnx.TensorProto.DataType;
const ONNX_TYPES: Record<string, number> = {
  float32: DT.FLOAT,
  float64: DT.DOUBLE,
  float16: DT.FLOAT16,
  int64: DT.INT64,
  int32: DT.INT32,
  int16: DT.INT16,
  int8: DT.INT8,
  uint8: DT.UINT8,
  bool: DT.BOOL,
};

/** Row `row` of a [n, …] tensor repeated `copies` times along dim 0. */
function replicateRow(t: ort.Tensor, n: number, row: number, copies: number): ort.Tensor {
  const dims = [...t.dims];
  if (dims[0] !== n || !ArrayBuffer.isView(t.data)) {
    throw new Error(`cannot replicate a ${t.type} tensor of dims ${JSON.stringify(dims)} along a batch of ${n}`);
  }
  // Any typed array (float, int64 as BigInt64Array, bool as Uint8Array): only subarray, set and its constructor are used.
  const data = t.data as unknown as Float32Array;
  const per = data.length / n;
  const src = data.subarray(row * per, (row + 1) * per);
  const out = new (data.constructor as Float32ArrayConstructor)(per * copies);
  for (let c = 0; c < copies; c++) out.set(src, c * per);
  return new ort.Tensor(t.type as 'float32', out, [copies, ...dims.slice(1)]);
}
