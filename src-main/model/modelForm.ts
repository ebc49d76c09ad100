// The classifier output of a model: among its graph outputs, the [N, classes] float tensors, each
// traced back through a trailing Softmax / LogSoftmax over the class axis to the logits it normalizes.
// Outputs that trace back to the same logits are one classifier (logits and probabilities); several
// different logits are ambiguous unless one is named (--output).
import { CamscopeError } from '../errors.js';
import { attrInt, defaultOpset, type ModelProto } from '../onnx/onnxModel.js';
import type { ProbeResult } from '../onnx/shapeProbe.js';
import type { ModelForm } from '../../src-shared/explainTypes.js';

export type { ModelForm };

interface Head {
  output: string;
  head: ModelForm['head'];
  logits: string;
}

const NORMALIZERS: Record<string, ModelForm['head']> = { Softmax: 'softmax', LogSoftmax: 'logsoftmax' };

function headOf(model: ModelProto, output: string): Head {
  const producer = (model.graph!.node ?? []).find((n) => n.output?.includes(output));
  const head = NORMALIZERS[producer?.opType ?? ''];
  // Over [N, classes] the class axis is 1 (−1); before opset 13 the default axis 1 coerces to the same 2-D view.
  const axis = producer ? attrInt(producer, 'axis', defaultOpset(model) >= 13 ? -1 : 1) : 0;
  if (head && (axis === 1 || axis === -1)) return { output, head, logits: producer!.input![0]! };
  return { output, head: 'logits', logits: output };
}

export function classifierOutput(model: ModelProto, probe: ProbeResult, file: string, requested?: string): Head {
  const outputs = (model.graph!.output ?? []).map((o) => o.name!).filter(Boolean);
  if (outputs.length === 0) throw new CamscopeError(`${file}: the model has no output`);
  const isClassifier = (o: string) => probe.shapes.get(o)?.length === 2 && probe.types.get(o) === 'float32';
  const describe = (o: string) => `${o} ${JSON.stringify(probe.shapes.get(o))}`;
  if (requested !== undefined) {
    if (!outputs.includes(requested)) throw new CamscopeError(`${file}: --output '${requested}' is not an output (outputs: ${outputs.join(', ')})`);
    if (!isClassifier(requested)) {
      throw new CamscopeError(`${file}: output '${describe(requested)}' is not [N, classes] float scores`);
    }
    return headOf(model, requested);
  }
  const candidates = outputs.filter(isClassifier).map((o) => headOf(model, o));
  if (candidates.length === 0) {
    const first = outputs[0]!;
    const others = outputs.length > 1 ? ` (nor is any of ${outputs.slice(1).join(', ')})` : '';
    throw new CamscopeError(`${file}: output '${first}' has shape ${JSON.stringify(probe.shapes.get(first))}, expected [N, classes] logits${others}`);
  }
  const distinct = [...new Set(candidates.map((c) => c.logits))];
  if (distinct.length > 1) {
    throw new CamscopeError(
      `${file}: ${candidates.length} outputs could be the classifier's (${candidates.map((c) => describe(c.output)).join(', ')}); choose one with --output NAME`,
    );
  }
  // Logits and their probabilities: report the logits output when the graph has one.
  return candidates.find((c) => c.head === 'logits') ?? candidates[0]!;
}
