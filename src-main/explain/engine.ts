// Runs a classifier with target layers exposed (forward) or with their gradients (backward), one
// ONNX Runtime session run per batch. Sessions are cached per (mode, layer set).
import * as ort from 'onnxruntime-node';
import { CamscopeError, firstLine } from '../errors.js';
import type { ClassifierModel } from '../model/classifierModel.js';
import { buildGradientModel } from '../onnx/gradientGraph.js';
import { encodeModel, onnx } from '../onnx/onnxModel.js';

export interface LayerOutputs {
  /** [N, K, h, w] row-major */
  activations: Float32Array;
  /** ∂(Σ seed·logits)/∂A, same layout; only in gradient mode */
  gradients?: Float32Array;
  dims: [number, number, number, number];
}

export interface EngineResult {
  /** [N, classes] */
  logits: Float32Array;
  layers: Map<string, LayerOutputs>;
}

/** Per batch row: the class whose logit is differentiated ('top1' = the predicted class). */
export type Target = number | 'top1';

interface CachedSession {
  session: ort.InferenceSession;
  gradientOutputs: Map<string, string>;
}

export class ExplainEngine {
  private readonly sessions = new Map<string, Promise<CachedSession>>();

  constructor(readonly model: ClassifierModel) {}

  /** Logits plus the activations of `layers`. */
  async forward(input: Float32Array, n: number, layers: string[]): Promise<EngineResult> {
    const s = await this.session('forward', layers);
    return this.run(s, input, n, layers, {});
  }

  /** Logits, activations and gradients of the target logit (one per row) w.r.t. `layers`. */
  async backward(input: Float32Array, n: number, layers: string[], targets: Target[]): Promise<EngineResult> {
    const classes = this.model.numClasses;
    const dy = new Float32Array(n * classes);
    const top1 = new Float32Array(n);
    targets.forEach((t, row) => {
      if (t === 'top1') top1[row] = 1;
      else dy[row * classes + t] = 1;
    });
    const s = await this.session('gradient', layers);
    return this.run(s, input, n, layers, {
      camscope_dy: new ort.Tensor('float32', dy, [n, classes]),
      camscope_top1: new ort.Tensor('float32', top1, [n, 1]),
    });
  }

  async release(): Promise<void> {
    for (const s of this.sessions.values()) await (await s).session.release();
    this.sessions.clear();
  }

  private async run(
    s: CachedSession,
    input: Float32Array,
    n: number,
    layers: string[],
    extra: Record<string, ort.Tensor>,
  ): Promise<EngineResult> {
    const { height, width } = this.model.inputSize;
    const feeds = { [this.model.inputName]: new ort.Tensor('float32', input, [n, 3, height, width]), ...extra };
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await s.session.run(feeds);
    } catch (e) {
      throw new CamscopeError(`${this.model.file}: model execution failed (${firstLine(e)})`);
    }
    const logits = out[this.model.outputName]!.data as Float32Array;
    const result = new Map<string, LayerOutputs>();
    for (const layer of layers) {
      const a = out[layer]!;
      const g = s.gradientOutputs.get(layer);
      result.set(layer, {
        activations: a.data as Float32Array,
        gradients: g ? (out[g]!.data as Float32Array) : undefined,
        dims: a.dims as [number, number, number, number],
      });
    }
    return { logits, layers: result };
  }

  private session(mode: 'forward' | 'gradient', layers: string[]): Promise<CachedSession> {
    const key = `${mode}|${[...layers].sort().join('\u0000')}`;
    let s = this.sessions.get(key);
    if (!s) {
      s = this.createSession(mode, layers);
      this.sessions.set(key, s);
      s.catch(() => this.sessions.delete(key));
    }
    return s;
  }

  private async createSession(mode: 'forward' | 'gradient', layers: string[]): Promise<CachedSession> {
    const m = this.model;
    let proto;
    let gradientOutputs = new Map<string, string>();
    if (mode === 'gradient') {
      let g;
      try {
        g = buildGradientModel(m.model, m.probe.shapes, layers, m.outputName, { top1Seed: true, values: m.probe.values });
      } catch (e) {
        throw e instanceof CamscopeError ? new CamscopeError(`${m.file}: ${e.message}`) : e;
      }
      proto = g.model;
      gradientOutputs = g.gradientOutputs;
    } else {
      proto = onnx.ModelProto.decode(encodeModel(m.model));
      const graph = proto.graph!;
      const existing = new Set((graph.output ?? []).map((o) => o.name));
      for (const l of layers) if (!existing.has(l)) graph.output!.push({ name: l, type: { tensorType: { elemType: 1 } } });
    }
    try {
      const session = await ort.InferenceSession.create(encodeModel(proto), { graphOptimizationLevel: 'all' });
      return { session, gradientOutputs };
    } catch (e) {
      throw new CamscopeError(`${m.file}: ONNX Runtime rejected the ${mode} graph (${firstLine(e)})`);
    }
  }
}
