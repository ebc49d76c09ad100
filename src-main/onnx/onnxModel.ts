// ONNX protobuf access: decoding models, reading tensors and attributes, indexing the graph.
import onnxProto from 'onnx-proto';
import { readFileSync, statSync } from 'node:fs';
import { CamscopeError } from '../errors.js';

export const onnx = onnxProto.onnx;
export type ModelProto = onnxProto.onnx.ModelProto;
export type GraphProto = onnxProto.onnx.IGraphProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type AttributeProto = onnxProto.onnx.IAttributeProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;

const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

/** Long | number → number (int64 values in ONNX graphs fit doubles in practice). */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'toNumber' in v) return (v as { toNumber(): number }).toNumber();
  return Number(v);
}

export function decodeModel(bytes: Uint8Array, file: string): ModelProto {
  if (bytes.length === 0) throw new CamscopeError(`${file}: empty file, not an ONNX model`);
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new CamscopeError(`${file}: not a valid ONNX model (${(e as Error).message.split('\n')[0]})`);
  }
  if (!model.graph || !model.graph.node || model.graph.node.length === 0) {
    throw new CamscopeError(`${file}: not a valid ONNX model (no graph)`);
  }
  return model;
}

/** Protobuf cannot encode a single-file ONNX model above 2 GiB; larger files are refused before reading. */
export const MAX_MODEL_BYTES = 2 ** 31;

export function loadModelFile(file: string): { model: ModelProto; bytes: Uint8Array } {
  let bytes: Uint8Array;
  try {
    const size = statSync(file).size;
    if (size > MAX_MODEL_BYTES) {
      const gb = (n: number) => (n / 2 ** 30).toFixed(1);
      throw new CamscopeError(
        `${file}: ${gb(size)} GB is above the ${gb(MAX_MODEL_BYTES)} GB a single-file ONNX model can hold; not loaded (it would not fit in memory)`,
      );
    }
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof CamscopeError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CamscopeError(`${file}: ${code === 'ENOENT' ? 'file not found' : 'cannot read model'}`);
  }
  const model = decodeModel(bytes, file);
  checkExternalData(model.graph!, file);
  return { model, bytes };
}

/** ONNX files are data: external-data locations may not leave the model's folder (no absolute paths, no '..'). */
function checkExternalData(graph: GraphProto, file: string): void {
  const tensors: TensorProto[] = [...(graph.initializer ?? [])];
  for (const s of graph.sparseInitializer ?? []) tensors.push(...[s.values, s.indices].filter((t): t is TensorProto => !!t));
  for (const n of graph.node ?? []) {
    for (const a of n.attribute ?? []) {
      if (a.t) tensors.push(a.t);
      tensors.push(...(a.tensors ?? []));
      for (const g of [a.g, ...(a.graphs ?? [])]) if (g) checkExternalData(g, file);
    }
  }
  for (const t of tensors) {
    const location = (t.externalData ?? []).find((e) => e.key === 'location')?.value;
    if (location === undefined || location === null) continue;
    if (/^([a-zA-Z]:|[\\/])/.test(location) || location.split(/[\\/]/).includes('..')) {
      throw new CamscopeError(`${file}: tensor '${t.name}' points its external data outside the model's folder ('${location}'); refused`);
    }
  }
}

export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/**
 * A copy of `model` to add nodes, outputs and initializers to; the initializer tensors themselves are
 * shared, not copied (nothing modifies a tensor in place), which saves a round trip of every weight
 * through protobuf (hundreds of milliseconds on a 100 MB model).
 */
export function cloneModel(model: ModelProto): ModelProto {
  const graph = model.graph!;
  const copy = onnx.ModelProto.decode(
    encodeModel(onnx.ModelProto.create({ ...model, graph: onnx.GraphProto.create({ ...graph, initializer: [] }) })),
  );
  copy.graph!.initializer = [...(graph.initializer ?? [])];
  return copy;
}

/** Version of the default ("" / ai.onnx) operator set the model imports. */
export function defaultOpset(model: ModelProto): number {
  for (const o of model.opsetImport ?? []) {
    if (!o.domain || o.domain === 'ai.onnx') return toNumber(o.version);
  }
  throw new CamscopeError('model imports no default ONNX operator set');
}

export function metadataMap(model: ModelProto): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) if (p.key) out[p.key] = p.value ?? '';
  return out;
}

export interface DecodedTensor {
  dims: number[];
  dataType: number;
  /** float tensors as Float32Array, integer tensors as number[] */
  data: Float32Array | number[];
}

export function tensorDims(t: TensorProto): number[] {
  return (t.dims ?? []).map(toNumber);
}

export function decodeTensor(t: TensorProto): DecodedTensor {
  const dims = tensorDims(t);
  const size = dims.reduce((a, b) => a * b, 1);
  const dataType = t.dataType ?? 0;
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new CamscopeError(`tensor ${t.name}: external data is not supported here`);
  }
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  switch (dataType) {
    case DT.FLOAT: {
      if (view) {
        const out = new Float32Array(size);
        for (let i = 0; i < size; i++) out[i] = view.getFloat32(i * 4, true);
        return { dims, dataType, data: out };
      }
      return { dims, dataType, data: Float32Array.from(t.floatData ?? []) };
    }
    case DT.DOUBLE: {
      const vals = view ? Array.from({ length: size }, (_, i) => view.getFloat64(i * 8, true)) : (t.doubleData ?? []);
      return { dims, dataType, data: Float32Array.from(vals) };
    }
    case DT.INT64: {
      const vals = view ? Array.from({ length: size }, (_, i) => Number(view.getBigInt64(i * 8, true))) : (t.int64Data ?? []).map(toNumber);
      return { dims, dataType, data: vals };
    }
    case DT.BOOL: {
      const vals = view ? Array.from({ length: size }, (_, i) => view.getUint8(i)) : (t.int32Data ?? []);
      return { dims, dataType, data: vals.map(toNumber) };
    }
    case DT.INT32: {
      const vals = view ? Array.from({ length: size }, (_, i) => view.getInt32(i * 4, true)) : (t.int32Data ?? []);
      return { dims, dataType, data: vals.map(toNumber) };
    }
    // Narrow integers are packed one per byte (or two) in raw_data, one per int32_data entry otherwise (booleans: above).
    case DT.INT8:
    case DT.UINT8:
    case DT.INT16:
    case DT.UINT16: {
      const read = {
        [DT.INT8]: (i: number) => view!.getInt8(i),
        [DT.UINT8]: (i: number) => view!.getUint8(i),
        [DT.INT16]: (i: number) => view!.getInt16(i * 2, true),
        [DT.UINT16]: (i: number) => view!.getUint16(i * 2, true),
      }[dataType]!;
      const vals = view ? Array.from({ length: size }, (_, i) => read(i)) : (t.int32Data ?? []).map(toNumber);
      return { dims, dataType, data: vals };
    }
    // Half floats are upcast exactly (every float16 / bfloat16 value is a float32 value).
    case DT.FLOAT16:
    case DT.BFLOAT16: {
      const bits = view ? Array.from({ length: size }, (_, i) => view.getUint16(i * 2, true)) : (t.int32Data ?? []).map(toNumber);
      return { dims, dataType, data: Float32Array.from(bits, dataType === DT.FLOAT16 ? halfToFloat : bfloat16ToFloat) };
    }
    default:
      throw new CamscopeError(`tensor ${t.name}: data type ${dataType} is not supported here`);
  }
}

/** IEEE 754 binary16 bits → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** bfloat16 bits are the top half of a float32. */
function bfloat16ToFloat(b: number): number {
  return new Float32Array(new Uint32Array([b << 16]).buffer)[0]!;
}

export function floatTensor(name: string, dims: number[], values: ArrayLike<number>): TensorProto {
  const f = Float32Array.from(values as ArrayLike<number>);
  return { name, dims, dataType: DT.FLOAT, rawData: new Uint8Array(f.buffer, f.byteOffset, f.byteLength) };
}

export function int64Tensor(name: string, dims: number[], values: number[]): TensorProto {
  const b = new BigInt64Array(values.map((v) => BigInt(Math.trunc(v))));
  return { name, dims, dataType: DT.INT64, rawData: new Uint8Array(b.buffer) };
}

// ---- attributes ----
export type AttrValue = number | number[] | string | { float: number } | { floats: number[] } | TensorProto;

export function makeAttribute(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'number') return { name, type: AT.INT, i: v };
  if (typeof v === 'string') return { name, type: AT.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AT.INTS, ints: v };
  if ('float' in v) return { name, type: AT.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: AT.FLOATS, floats: v.floats };
  return { name, type: AT.TENSOR, t: v };
}

function findAttr(node: NodeProto, name: string): AttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}
export function attrInt(node: NodeProto, name: string, dflt: number): number {
  const a = findAttr(node, name);
  return a ? toNumber(a.i) : dflt;
}
export function attrFloat(node: NodeProto, name: string, dflt: number): number {
  const a = findAttr(node, name);
  return a && a.f !== undefined && a.f !== null ? a.f : dflt;
}
export function attrInts(node: NodeProto, name: string): number[] | undefined {
  const a = findAttr(node, name);
  return a ? (a.ints ?? []).map(toNumber) : undefined;
}
export function attrString(node: NodeProto, name: string, dflt: string): string {
  const a = findAttr(node, name);
  return a?.s ? new TextDecoder().decode(a.s) : dflt;
}
export function attrTensor(node: NodeProto, name: string): TensorProto | undefined {
  return findAttr(node, name)?.t ?? undefined;
}

/** Producers, consumers and constant values of a graph. */
export class GraphIndex {
  readonly producer = new Map<string, NodeProto>();
  readonly consumers = new Map<string, NodeProto[]>();
  readonly initializers = new Map<string, TensorProto>();
  private readonly constantCache = new Map<string, DecodedTensor | null>();

  constructor(readonly graph: GraphProto) {
    for (const t of graph.initializer ?? []) if (t.name) this.initializers.set(t.name, t);
    for (const n of graph.node ?? []) {
      for (const o of n.output ?? []) if (o) this.producer.set(o, n);
      for (const i of n.input ?? []) {
        if (!i) continue;
        const list = this.consumers.get(i) ?? [];
        list.push(n);
        this.consumers.set(i, list);
      }
    }
  }

  get nodes(): NodeProto[] {
    return this.graph.node ?? [];
  }

  /** Value of an initializer or Constant output, or null when computed at run time. */
  constant(name: string): DecodedTensor | null {
    if (this.constantCache.has(name)) return this.constantCache.get(name)!;
    let value: DecodedTensor | null = null;
    const init = this.initializers.get(name);
    if (init) value = decodeTensor(init);
    else {
      const p = this.producer.get(name);
      if (p && p.opType === 'Constant') {
        const t = attrTensor(p, 'value');
        if (t) value = decodeTensor(t);
        else {
          const vf = findAttr(p, 'value_float');
          const vi = findAttr(p, 'value_int');
          const vfs = findAttr(p, 'value_floats');
          const vis = findAttr(p, 'value_ints');
          if (vf) value = { dims: [], dataType: DT.FLOAT, data: Float32Array.of(vf.f ?? 0) };
          else if (vi) value = { dims: [], dataType: DT.INT64, data: [toNumber(vi.i)] };
          else if (vfs) value = { dims: [vfs.floats!.length], dataType: DT.FLOAT, data: Float32Array.from(vfs.floats ?? []) };
          else if (vis) value = { dims: [vis.ints!.length], dataType: DT.INT64, data: (vis.ints ?? []).map(toNumber) };
        }
      }
    }
    this.constantCache.set(name, value);
    return value;
  }

  /** Names of graph inputs that are not initializers (the real inputs). */
  realInputs(): ValueInfoProto[] {
    return (this.graph.input ?? []).filter((i) => i.name && !this.initializers.has(i.name));
  }

  nodeLabel(n: NodeProto): string {
    return `${n.opType} node '${n.name || n.output?.[0] || '?'}'`;
  }
}
