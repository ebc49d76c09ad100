// An ONNX image classifier opened for explanation: its input, logits output, tensor shapes and
// candidate target layers.
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { CamscopeError, firstLine } from '../errors.js';
import {
  GraphIndex,
  attrInts,
  type ModelProto,
  defaultOpset,
  loadModelFile,
  metadataMap,
} from '../onnx/onnxModel.js';
import { type ProbeResult, probeShapes } from '../onnx/shapeProbe.js';
import { type ProbeCache, parseProbe, probeKey, serializeProbe, userProbeCache } from '../onnx/probeCache.js';
import { dequantizeConstants } from '../onnx/dequantize.js';
import { inlineExternalData } from '../onnx/externalData.js';
import { upcastHalfPrecision } from '../onnx/halfPrecision.js';
import { adaptInput } from '../onnx/inputLayout.js';
import { dequantizeQOperators } from '../onnx/qoperator.js';
import { type ModelForm, classifierOutput } from './modelForm.js';
import type { LayerCandidate } from '../../src-shared/explainTypes.js';
import { camHeadAt } from './camHead.js';
import { CAMIFY_METADATA_KEY } from './camifyMetadata.js';

const SPATIAL_POOLING = new Set(['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'LpPool', 'Pad']);
// Activation quantizers (QDQ) only round the map before it: the layer worth explaining is before them.
const PASS_THROUGH = new Set(['Identity', 'Dropout', 'Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'Cast', 'QuantizeLinear', 'DequantizeLinear']);
const LINEAR = new Set(['Conv', 'Gemm', 'MatMul', 'ConvTranspose']);
/** Operator sets camscope reads: the ONNX Model Zoo's oldest classifiers are opset 7. */
export const MIN_OPSET = 7;
export const MAX_OPSET = 23;

export class ClassifierModel {
  readonly index: GraphIndex;
  readonly opset: number;
  readonly inputName: string;
  /** Input dims as declared: numbers, or names for symbolic dims. */
  readonly inputDims: (number | string)[];
  /** The logits tensor [N, classes]: the classifier output, or the input of its trailing Softmax / LogSoftmax. */
  readonly outputName: string;
  readonly metadata: Record<string, string>;
  private constructor(
    readonly file: string,
    readonly model: ModelProto,
    readonly sha256: string,
    readonly probe: ProbeResult,
    io: { inputName: string; inputDims: (number | string)[]; outputName: string },
    /** How the file was read: opset, input layout, quantization, precision, output head. */
    readonly form: ModelForm,
    /** Tensors of the input adapter (NHWC / grayscale), never target layers. */
    private readonly adapterTensors: ReadonlySet<string>,
  ) {
    this.index = new GraphIndex(model.graph!);
    this.opset = defaultOpset(model);
    this.inputName = io.inputName;
    this.inputDims = io.inputDims;
    this.outputName = io.outputName;
    this.metadata = metadataMap(model);
  }

  /**
   * Opens and validates a classifier and runs it once on zeros to learn every tensor's shape (or
   * reads what that run learned from `caches`, by the file's sha256: the user cache by default).
   * `spatialSize` fills symbolic H, W (it may depend on the model's metadata, e.g. its preprocessing);
   * `output` names the classifier output among several.
   */
  static async open(
    file: string,
    spatialSize?: (metadata: Record<string, string>) => { width: number; height: number } | undefined,
    caches: ProbeCache[] = [userProbeCache()],
    options: { output?: string } = {},
  ): Promise<ClassifierModel> {
    const { model, bytes } = loadModelFile(file);
    let opset: number;
    try {
      opset = defaultOpset(model);
    } catch {
      throw new CamscopeError(`${file}: imports no default ONNX operator set`);
    }
    if (opset < MIN_OPSET || opset > MAX_OPSET) throw new CamscopeError(`${file}: opset ${opset} is not supported (${MIN_OPSET}–${MAX_OPSET})`);
    const externalData = inlineExternalData(model, file, bytes.length);
    const precision = upcastHalfPrecision(model);
    // ONNX Runtime's QOperator ops of its com.microsoft domain are rewritten as standard ops first.
    const qoperators = dequantizeQOperators(model, file);
    const custom = (model.opsetImport ?? []).filter((imp) => imp.domain && imp.domain !== 'ai.onnx');
    if (custom.length) {
      const domain = custom[0]!.domain!;
      const ops = [...new Set((model.graph!.node ?? []).filter((n) => n.domain === domain).map((n) => n.opType))];
      throw new CamscopeError(`${file}: uses operator domain '${domain}'${ops.length ? ` (${ops.join(', ')})` : ''}: custom ops are not loaded`);
    }
    const quantization = dequantizeConstants(model, file);
    const inputs = new GraphIndex(model.graph!).realInputs();
    if (inputs.length !== 1) {
      throw new CamscopeError(`${file}: expected one image input, found ${inputs.length} (${inputs.map((i) => i.name).join(', ')})`);
    }
    const layout = adaptInput(model, inputs[0]!, file);
    const dims = layout.dims;

    const size = (d: number | string, fallback: number | undefined, what: string): number => {
      if (typeof d === 'number') return d;
      if (fallback) return fallback;
      throw new CamscopeError(`${file}: input ${what} is dynamic; give --size WxH`);
    };
    const batch = typeof dims[0] === 'number' ? dims[0] : 2;
    const fill = spatialSize?.(metadataMap(model));
    const h = size(dims[2]!, fill?.height, 'height');
    const w = size(dims[3]!, fill?.width, 'width');
    const zeros = (n: number) => ({ [layout.inputName]: new ort.Tensor('float32', new Float32Array(n * 3 * h * w), [n, 3, h, w]) });
    const otherBatch = typeof dims[0] === 'number' ? undefined : 1;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    // The key also covers the graph as loaded (after folding), so a change in load-time rewriting is never served an old probe.
    const nodes = model.graph!.node ?? [];
    const loaded = createHash('sha1').update(nodes.map((n) => `${n.opType}(${(n.input ?? []).join(',')})${(n.output ?? []).join(',')}`).join(';')).digest('hex').slice(0, 16);
    const key = probeKey(`${sha256}-${loaded}`, [batch, 3, h, w], otherBatch);
    // The first cache that has the entry answers; those before it that missed are filled.
    let probe: ProbeResult | null = null;
    const missed: ProbeCache[] = [];
    for (const c of caches) {
      probe = parseProbe(c.get(key));
      if (probe) break;
      missed.push(c);
    }
    if (!probe) {
      try {
        probe = await probeShapes(model, zeros(batch), otherBatch === undefined ? undefined : zeros(otherBatch));
      } catch (e) {
        throw new CamscopeError(`${file}: ONNX Runtime cannot run this model (${firstLine(e)})`);
      }
    }
    if (missed.length) {
      const json = serializeProbe(probe);
      for (const c of missed) c.set(key, json);
    }
    const head = classifierOutput(model, probe, file, options.output);
    const form: ModelForm = {
      opset,
      layout: layout.layout,
      channels: layout.channels,
      input: layout.original,
      inputType: layout.inputType,
      quantization: qoperators.length ? 'qoperator' : quantization.activationPairs ? 'qdq' : quantization.foldedConstants ? 'qdq-weights' : 'none',
      perChannel: quantization.perChannel,
      precision,
      head: head.head,
      output: head.output,
      logits: head.logits,
      externalData,
    };
    return new ClassifierModel(file, model, sha256, probe, { inputName: layout.inputName, inputDims: dims, outputName: head.logits }, form, new Set(layout.adapterTensors));
  }

  get numClasses(): number {
    return this.probe.shapes.get(this.outputName)![1]!;
  }

  get dynamicBatch(): boolean {
    return typeof this.inputDims[0] !== 'number';
  }

  /** Static input size (H, W) the probe ran at. */
  get inputSize(): { width: number; height: number } {
    const s = this.probe.shapes.get(this.inputName)!;
    return { height: s[2]!, width: s[3]! };
  }

  shapeOf(tensor: string): readonly number[] | undefined {
    return this.probe.shapes.get(tensor);
  }

  private candidates: string[] | null = null;
  private defaultTensor: string | null = null;

  /** Every 4-D float32 feature map (NCHW layout) with spatial size > 1 that influences the logits, in graph order. */
  candidateTensors(): string[] {
    this.candidates ??= this.findCandidates();
    return this.candidates;
  }

  private findCandidates(): string[] {
    const influences = this.ancestorsOfOutput();
    const nchw = this.nchwTensors();
    const out: string[] = [];
    for (const n of this.index.nodes) {
      for (const o of n.output ?? []) {
        const s = this.probe.shapes.get(o);
        if (!o || !s || s.length !== 4 || s[2]! * s[3]! <= 1 || !influences.has(o) || !nchw.has(o)) continue;
        // Integer tensors (QuantizeLinear outputs) have no gradient of their own; their float neighbours do.
        if (this.probe.types.get(o) !== 'float32') continue;
        if (this.index.constant(o) || this.adapterTensors.has(o)) continue;
        out.push(o);
      }
    }
    return out;
  }

  /**
   * 4-D tensors whose axes are still (N, C, H, W): layouts are followed through Transpose nodes, so
   * channels-last stretches (ConvNeXt's permuted LayerNorm and MLP) are not taken for feature maps.
   */
  private nchwTensors(): Set<string> {
    const identity = [0, 1, 2, 3];
    const perm = new Map<string, number[]>([[this.inputName, identity]]);
    for (const n of this.index.nodes) {
      const first = (n.input ?? []).map((i) => perm.get(i)).find((p) => p);
      let p: number[] | undefined;
      if (n.opType === 'Transpose') {
        const t = attrInts(n, 'perm') ?? [3, 2, 1, 0];
        p = first && t.length === 4 ? t.map((a) => first[a]!) : undefined;
      } else if (n.opType === 'Reshape' || n.opType === 'Flatten') {
        p = identity;
      } else {
        // Ops keep their input's layout; a 4-D tensor built from lower ranks (Unsqueeze, Concat) is NCHW.
        p = first ?? identity;
      }
      for (const o of n.output ?? []) if (p && this.probe.shapes.get(o)?.length === 4) perm.set(o, p);
    }
    const out = new Set<string>();
    for (const [t, p] of perm) if (p.every((a, i) => a === i)) out.add(t);
    return out;
  }

  /**
   * The last convolutional feature map before spatial pooling: skips pooling and pass-through ops
   * and class-score maps (C = classes with no linear layer between them and the logits).
   */
  defaultLayer(): string {
    this.defaultTensor ??= this.findDefaultLayer();
    return this.defaultTensor;
  }

  private findDefaultLayer(): string {
    const candidates = this.candidateTensors();
    // A camified model's refit head sits on the layer it was fit on: that is the layer its CAM explains.
    const refit = refitLayer(this.metadata);
    if (refit && candidates.includes(refit)) return refit;
    for (let i = candidates.length - 1; i >= 0; i--) {
      const t = candidates[i]!;
      const op = this.index.producer.get(t)?.opType ?? '';
      if (SPATIAL_POOLING.has(op) || PASS_THROUGH.has(op)) continue;
      if (this.isClassScoreMap(t)) continue;
      return t;
    }
    throw new CamscopeError(`${this.file}: no 4-D feature map with spatial size > 1 (not a CNN image classifier?)`);
  }

  layerCandidates(): LayerCandidate[] {
    const dflt = this.defaultLayer();
    return this.candidateTensors().map((t) => {
      const s = this.probe.shapes.get(t)!;
      const head = camHeadAt(this, t);
      return {
        tensor: t,
        op: this.index.producer.get(t)?.opType ?? '?',
        shape: [s[1]!, s[2]!, s[3]!],
        isDefault: t === dflt,
        cam: head.ok ? { applicable: true } : { applicable: false, reason: head.reason },
      };
    });
  }

  /** Resolves a --layer value: 'auto' or a candidate tensor name. */
  resolveLayer(layer: string | undefined): string {
    if (!layer || layer === 'auto') return this.defaultLayer();
    if (!this.candidateTensors().includes(layer)) {
      throw new CamscopeError(`${this.file}: '${layer}' is not a candidate layer (see 'camscope layers')`);
    }
    return layer;
  }

  private ancestorsOfOutput(): Set<string> {
    const seen = new Set<string>([this.outputName]);
    for (const n of [...this.index.nodes].reverse()) {
      if (!(n.output ?? []).some((o) => seen.has(o))) continue;
      for (const i of n.input ?? []) if (i) seen.add(i);
    }
    return seen;
  }

  private isClassScoreMap(tensor: string): boolean {
    if (this.probe.shapes.get(tensor)![1] !== this.numClasses) return false;
    const stack = [tensor];
    const seen = new Set(stack);
    while (stack.length) {
      for (const n of this.index.consumers.get(stack.pop()!) ?? []) {
        if (LINEAR.has(n.opType ?? '')) return false;
        for (const o of n.output ?? []) if (!seen.has(o)) (seen.add(o), stack.push(o));
      }
    }
    return true;
  }
}

function refitLayer(metadata: Record<string, string>): string | null {
  try {
    const layer = (JSON.parse(metadata[CAMIFY_METADATA_KEY] ?? 'null') as { layer?: unknown } | null)?.layer;
    return typeof layer === 'string' ? layer : null;
  } catch {
    return null;
  }
}
