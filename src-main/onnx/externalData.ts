// Tensors whose data lives in files beside the model (ONNX external data: location, offset, length).
// camscope builds every session from an edited copy of the model (gradient graph, head graph,
// exposed layers), which ONNX Runtime receives as bytes and so cannot resolve relative files: the data
// is read here, from the model's own folder, and placed in the tensors. The location rules of
// loadModelFile (no absolute paths, no '..') have already been checked; sizes are checked before
// anything is read.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CamscopeError } from '../errors.js';
import { MAX_MODEL_BYTES, type GraphProto, type ModelProto, type TensorProto, onnx, toNumber } from './onnxModel.js';

const BYTES_PER_ELEMENT: Record<number, number> = {
  [onnx.TensorProto.DataType.FLOAT]: 4,
  [onnx.TensorProto.DataType.UINT8]: 1,
  [onnx.TensorProto.DataType.INT8]: 1,
  [onnx.TensorProto.DataType.UINT16]: 2,
  [onnx.TensorProto.DataType.INT16]: 2,
  [onnx.TensorProto.DataType.INT32]: 4,
  [onnx.TensorProto.DataType.INT64]: 8,
  [onnx.TensorProto.DataType.BOOL]: 1,
  [onnx.TensorProto.DataType.FLOAT16]: 2,
  [onnx.TensorProto.DataType.DOUBLE]: 8,
  [onnx.TensorProto.DataType.UINT32]: 4,
  [onnx.TensorProto.DataType.UINT64]: 8,
  [onnx.TensorProto.DataType.BFLOAT16]: 2,
};

function externalTensors(graph: GraphProto): TensorProto[] {
  const out: TensorProto[] = [];
  const visit = (g: GraphProto) => {
    for (const t of g.initializer ?? []) if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) out.push(t);
    for (const n of g.node ?? []) {
      for (const a of n.attribute ?? []) {
        for (const t of [a.t, ...(a.tensors ?? [])]) if (t && t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) out.push(t);
        for (const sub of [a.g, ...(a.graphs ?? [])]) if (sub) visit(sub);
      }
    }
  };
  visit(graph);
  return out;
}

/**
 * Reads every external tensor of `model` (loaded from `file`) into its raw_data, in place. Returns
 * the data files read (relative to the model's folder), empty when the model is self-contained.
 */
export function inlineExternalData(model: ModelProto, file: string, modelBytes: number): string[] {
  const tensors = externalTensors(model.graph!);
  if (tensors.length === 0) return [];
  const folder = dirname(file);
  const entry = (t: TensorProto, key: string) => (t.externalData ?? []).find((e) => e.key === key)?.value ?? undefined;
  const plan = tensors.map((t) => {
    const location = entry(t, 'location');
    if (!location) throw new CamscopeError(`${file}: tensor '${t.name}' is marked external but names no location`);
    const dims = (t.dims ?? []).map(toNumber);
    const width = BYTES_PER_ELEMENT[t.dataType ?? 0];
    if (!width) throw new CamscopeError(`${file}: tensor '${t.name}' has external data of unsupported type ${t.dataType}`);
    const expected = dims.reduce((a, b) => a * b, 1) * width;
    const offset = Number(entry(t, 'offset') ?? 0);
    const length = Number(entry(t, 'length') ?? expected);
    if (!Number.isSafeInteger(offset) || offset < 0 || length !== expected) {
      throw new CamscopeError(`${file}: tensor '${t.name}' has external data of ${length} bytes at offset ${offset}; its shape needs ${expected}`);
    }
    return { t, location, offset, length };
  });
  // Sizes first: the data files must hold every range, and the whole model must stay encodable.
  const sizes = new Map<string, number>();
  for (const p of plan) {
    if (!sizes.has(p.location)) {
      try {
        sizes.set(p.location, statSync(join(folder, p.location)).size);
      } catch {
        throw new CamscopeError(`${file}: external data file '${p.location}' (tensor '${p.t.name}') not found beside the model`);
      }
    }
    if (p.offset + p.length > sizes.get(p.location)!) {
      throw new CamscopeError(
        `${file}: tensor '${p.t.name}' reads past the end of '${p.location}' (${p.offset + p.length} > ${sizes.get(p.location)} bytes)`,
      );
    }
  }
  const total = modelBytes + plan.reduce((a, p) => a + p.length, 0);
  if (total > MAX_MODEL_BYTES) {
    throw new CamscopeError(
      `${file}: model and external data take ${(total / 2 ** 30).toFixed(1)} GB, above the 2.0 GB camscope can hold in one model; not loaded`,
    );
  }
  for (const location of sizes.keys()) {
    const fd = openSync(join(folder, location), 'r');
    try {
      for (const p of plan.filter((q) => q.location === location)) {
        const data = new Uint8Array(p.length);
        readSync(fd, data, 0, p.length, p.offset);
        p.t.rawData = data;
        p.t.externalData = [];
        p.t.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
      }
    } finally {
      closeSync(fd);
    }
  }
  return [...sizes.keys()];
}
