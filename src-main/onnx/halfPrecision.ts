// float16 / bfloat16 models (fp16 converters, usually with float32 inputs and outputs through Casts:
// keep_io_types) are computed in float32 from their weights upcast at load. Every half value is a
// float32 value, so the weights are exact; activations keep float32's precision instead of being
// rounded to 11 (float16) or 8 (bfloat16) significant bits after every op, so camscope's results are
// those of the float model with these weights (see README, "Model files camscope reads", for the
// tolerance against the model's own half-precision arithmetic). Casts to half become float → float.
import { type GraphProto, type ModelProto, type TensorProto, decodeTensor, floatTensor, onnx } from './onnxModel.js';

const DT = onnx.TensorProto.DataType;
const HALF = new Set<number>([DT.FLOAT16, DT.BFLOAT16]);

export type Precision = 'float32' | 'float16' | 'bfloat16';

/** Upcasts `model` in place; returns the half type it used (float32 when none). */
export function upcastHalfPrecision(model: ModelProto): Precision {
  const seen = new Set<number>();
  const upcast = (t: TensorProto): TensorProto => {
    if (!HALF.has(t.dataType ?? 0)) return t;
    seen.add(t.dataType!);
    const d = decodeTensor(t);
    return floatTensor(t.name ?? '', d.dims, d.data);
  };
  const visit = (g: GraphProto) => {
    g.initializer = (g.initializer ?? []).map(upcast);
    for (const n of g.node ?? []) {
      for (const a of n.attribute ?? []) {
        if (a.t) a.t = upcast(a.t);
        if (a.tensors) a.tensors = a.tensors.map(upcast);
        if (n.opType === 'Cast' && a.name === 'to' && HALF.has(Number(a.i))) {
          seen.add(Number(a.i));
          a.i = DT.FLOAT;
        }
        for (const sub of [a.g, ...(a.graphs ?? [])]) if (sub) visit(sub);
      }
    }
    for (const v of [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? [])]) {
      const tt = v.type?.tensorType;
      if (tt && HALF.has(tt.elemType ?? 0)) {
        seen.add(tt.elemType!);
        tt.elemType = DT.FLOAT;
      }
    }
  };
  visit(model.graph!);
  if (seen.has(DT.FLOAT16)) return 'float16';
  if (seen.has(DT.BFLOAT16)) return 'bfloat16';
  return 'float32';
}
