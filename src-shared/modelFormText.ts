// One line saying how camscope read a model file (CLI `layers`, the Models view).
import type { ModelForm } from './explainTypes.js';

export function describeModelForm(f: ModelForm): string {
  const channels = f.channels === 1 ? 'grayscale (fed the image luma)' : 'RGB';
  const parts = [`opset ${f.opset}`, `input '${f.input}' ${f.layout} ${channels}${f.inputType === 'uint8' ? ' uint8 (fed 0..255 pixels)' : ''}`];
  const quantization = {
    none: null,
    'qdq-weights': 'int weights (QDQ), dequantized at load',
    qdq: 'QDQ weights and activations: weights dequantized at load, activation quantizers kept (straight-through gradients)',
    qoperator: 'QOperator, rewritten as float ops between quantizers',
  }[f.quantization];
  if (quantization) parts.push(`quantization: ${quantization}${f.perChannel ? ', per-channel scales' : ''}`);
  if (f.precision !== 'float32') parts.push(`${f.precision} weights, computed in float32`);
  parts.push(
    f.head === 'logits'
      ? `output '${f.output}' (logits)`
      : `output '${f.output}' = ${f.head === 'softmax' ? 'Softmax' : 'LogSoftmax'}('${f.logits}'): maps explain the logits, predictions are the model's probabilities`,
  );
  if (f.externalData.length) parts.push(`external data ${f.externalData.join(', ')}`);
  return parts.join(' · ');
}
