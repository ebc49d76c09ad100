// An ONNX image classifier opened for explanation: its input, logits output, tensor shapes and
// candidate target layers.
import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { CamscopeError, firstLine } from '../errors.js';
import { GraphIndex, type ModelProto, type NodeProto, defaultOpset, loadModelFile, metadataMap } from '../onnx/onnxModel.js';
import { type ProbeResult, probeShapes } from '../onnx/shapeProbe.js';
import { type ProbeCache, parseProbe, probeFitsGraph, probeKey, serializeProbe, userProbeCache } from '../onnx/probeCache.js';
import { dequantizeConstants } from '../onnx/dequantize.js';
import { inlineExternalData } from '../onnx/externalData.js';
import { upcastHalfPrecision } from '../onnx/halfPrecision.js';
import { adaptInput } from '../onnx/inputLayout.js';
import { dequantizeQOperators } from '../onnx/qoperator.js';
import { type ModelForm, classifierOutput } from './modelForm.js';
import type { LayerCandidate } from '../../src-shared/explainTypes.js';
import { camHeadAt } from './camHead.js';
import { type LayoutTrace, type MapLayout, mapLayout, traceLayouts } from './featureLayout.js';
import { CAMIFY_METADATA_KEY } from './camifyMetadata.js';

/**
 * The community's layer for vision transformers (pytorch-grad-cam's `blocks[-1].norm1` for ViT/DeiT,
 * `layers[-1].blocks[-1].norm1` for Swin): the first LayerNorm of the last block, i.e. the last
 * LayerNorm output that feeds the last attention Softmax. Null when the model has no attention.
 */
function transformerDefault(index: GraphIndex, candidates: string[]): string | null {
  const attention = [...index.nodes].reverse().find((n) => isAttentionSoftmax(index, n));
  if (!attention) return null;
  const feeds = ancestors(index, attention.input![0]!);
  for (let i = candidates.length - 1; i >= 0; i--) {
    const t = candidates[i]!;
    if (feeds.has(t) && isLayerNormOutput(index, t)) return t;
  }
  return null;
}

/** Softmax over q·kᵀ: its input comes (through scaling, masks, reshapes) from a MatMul of two run-time tensors. */
export function isAttentionSoftmax(index: GraphIndex, n: NodeProto): boolean {
  if (n.opType !== 'Softmax') return false;
  let t = n.input?.[0] ?? '';
  for (let hops = 0; hops < 8; hops++) {
    const p = index.producer.get(t);
    if (!p) return false;
    if (p.opType === 'MatMul') return (p.input ?? []).every((i) => !index.constant(i));
    if (!['Add', 'Mul', 'Div', 'Reshape', 'Where', 'Cast', 'Identity'].includes(p.opType ?? '')) return false;
    t = p.input?.[0] ?? '';
  }
  return false;
}

/** LayerNormalization, or its decomposition below opset 17: Add(Mul(Div(Sub(x, ReduceMean(x)), …), γ), β). */
function isLayerNormOutput(index: GraphIndex, t: string): boolean {
  const p = index.producer.get(t);
  if (p?.opType === 'LayerNormalization') return true;
  const chain = ['Add', 'Mul', 'Div', 'Sub', 'ReduceMean'];
  let node = p;
  for (let k = 0; k < chain.length - 1; k++) {
    if (node?.opType !== chain[k]) return false;
    node = (node.input ?? []).map((i) => index.producer.get(i)).find((q) => q?.opType === chain[k + 1]);
  }
  return !!node;
}

function ancestors(index: GraphIndex, t: string): Set<string> {
  const seen = new Set<string>([t]);
  const stack = [t];
  while (stack.length) {
    for (const i of index.producer.get(stack.pop()!)?.input ?? []) if (i && !seen.has(i)) (seen.add(i), stack.push(i));
  }
  return seen;
}

const SPATIAL_POOLING = new Set(['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'LpPool', 'Pad']);
// Activation quantizers (QDQ) only round the map before it: the layer worth explaining is before them.
const PASS_THROUGH = new Set([
  'Identity',
  'Dropout',
  'Reshape',
  'Transpose',
  'Flatten',
  'Squeeze',
  'Unsqueeze',
  'Cast',
  'QuantizeLinear',
  'DequantizeLinear',
]);
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
    /** What `probe` is cached under (onnx/probeCache.ts), for a project that adds the model to keep a copy. */
    readonly probeKey: string,
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
    const loaded = createHash('sha1')
      .update(nodes.map((n) => `${n.opType}(${(n.input ?? []).join(',')})${(n.output ?? []).join(',')}`).join(';'))
      .digest('hex')
      .slice(0, 16);
    const key = probeKey(`${sha256}-${loaded}`, [batch, 3, h, w], otherBatch);
    // The first cache that has the entry answers; those before it that missed are filled.
    let probe: ProbeResult | null = null;
    const missed: ProbeCache[] = [];
    for (const c of caches) {
      probe = parseProbe(c.get(key));
      if (probe && !probeFitsGraph(probe, nodes, batch)) probe = null;
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
    return new ClassifierModel(
      file,
      model,
      sha256,
      probe,
      key,
      { inputName: layout.inputName, inputDims: dims, outputName: head.logits },
      form,
      new Set(layout.adapterTensors),
    );
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

  /**
   * Every float feature map with a proven layout (NCHW, channels-last, or tokens on a grid; see
   * featureLayout.ts) and a grid of more than one position that influences the logits, in graph order.
   */
  candidateTensors(): string[] {
    this.candidates ??= this.findCandidates();
    return this.candidates;
  }

  private layoutTrace: LayoutTrace | null = null;

  /** How `tensor` is read as a map [C, h, w], or why it cannot be. */
  mapLayoutOf(tensor: string): MapLayout | string {
    this.layoutTrace ??= traceLayouts(this.index, this.inputName, this.probe.shapes, this.probe.values);
    const dims = this.probe.shapes.get(tensor);
    if (!dims) return 'no such tensor in the graph';
    const l = this.layoutTrace.layouts.get(tensor);
    if (!l) return `its axes cannot be proven to be a feature map: ${this.layoutTrace.lost.get(tensor) ?? 'it does not come from the image input'}`;
    const m = mapLayout(l, dims);
    return typeof m === 'string' ? `its axes are traced but ${m}` : m;
  }

  /** The map shape [C, h, w] of a candidate layer. */
  mapShape(tensor: string): [number, number, number] {
    const m = this.mapLayoutOf(tensor);
    if (typeof m === 'string') throw new CamscopeError(`${this.file}: '${tensor}' is not a feature map: ${m}`);
    return [m.channels, m.height, m.width];
  }

  private findCandidates(): string[] {
    const influences = this.ancestorsOfOutput();
    const out: string[] = [];
    for (const n of this.index.nodes) {
      for (const o of n.output ?? []) {
        if (!o || !influences.has(o)) continue;
        // Integer tensors (QuantizeLinear outputs) have no gradient of their own; their float neighbours do.
        if (this.probe.types.get(o) !== 'float32') continue;
        const m = this.mapLayoutOf(o);
        if (typeof m === 'string' || m.height * m.width <= 1 || this.index.constant(o) || this.adapterTensors.has(o)) continue;
        // Statistics over the channels of a channels-last or token tensor (a decomposed LayerNorm's mean) are no features.
        if (m.channels === 1 && m.name !== 'NCHW') continue;
        out.push(o);
      }
    }
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
    const transformer = transformerDefault(this.index, candidates);
    if (transformer) return transformer;
    for (let i = candidates.length - 1; i >= 0; i--) {
      const t = candidates[i]!;
      const op = this.index.producer.get(t)?.opType ?? '';
      if (SPATIAL_POOLING.has(op) || PASS_THROUGH.has(op)) continue;
      if (this.isClassScoreMap(t)) continue;
      return t;
    }
    throw new CamscopeError(`${this.file}: no 4-D feature map with spatial size > 1 (not a CNN image classifier?)`);
  }

  /** Which convention chose the default layer, in words. */
  defaultLayerRule(): string {
    const dflt = this.defaultLayer();
    if (refitLayer(this.metadata) === dflt) return 'the layer the refit CAM head was fit on';
    if (transformerDefault(this.index, this.candidateTensors()) === dflt) {
      return "the first LayerNorm of the last transformer block, pytorch-grad-cam's blocks[-1].norm1";
    }
    return 'the last feature map before global pooling';
  }

  layerCandidates(): LayerCandidate[] {
    const dflt = this.defaultLayer();
    return this.candidateTensors().map((t) => {
      const head = camHeadAt(this, t);
      return {
        tensor: t,
        op: this.index.producer.get(t)?.opType ?? '?',
        shape: this.mapShape(t),
        layout: (this.mapLayoutOf(t) as MapLayout).name,
        isDefault: t === dflt,
        cam: head.ok ? { applicable: true } : { applicable: false, reason: head.reason },
      };
    });
  }

  /** Resolves a --layer value: 'auto' or a candidate tensor name. */
  resolveLayer(layer: string | undefined): string {
    if (!layer || layer === 'auto') return this.defaultLayer();
    if (!this.candidateTensors().includes(layer)) {
      const m = this.probe.shapes.has(layer) ? this.mapLayoutOf(layer) : null;
      const why = typeof m === 'string' ? `: ${m}` : '';
      throw new CamscopeError(`${this.file}: '${layer}' is not a candidate layer${why} (see 'camscope layers')`);
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
    if (this.mapShape(tensor)[0] !== this.numClasses) return false;
    const stack = [tensor];
    const seen = new Set(stack);
    while (stack.length) {
      for (const n of this.index.consumers.get(stack.pop()!) ?? []) {
        if (LINEAR.has(n.opType ?? '')) return false;
        for (const o of n.output ?? []) {
          if (!seen.has(o)) {
            seen.add(o);
            stack.push(o);
          }
        }
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
