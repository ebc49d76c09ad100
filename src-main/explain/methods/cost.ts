// What a method costs per image before it runs (for the UI): model passes and a rough peak of memory.
import type { ClassifierModel } from '../../model/classifierModel.js';
import { DEFAULT_HEAD_BATCH, DEFAULT_INPUT_BATCH } from '../engine.js';
import type { AnyMapMethod } from './method.js';

export interface CostEstimate {
  /** Runs of the whole model forward (the shared run that yields the activations counts 1). */
  forwardPasses: number;
  /** Backward passes (gradient methods: 1, in the same ONNX Runtime run as the forward pass). */
  backwardPasses: number;
  /** Runs of the head sub-graph after the layer, one per altered copy of A. */
  headPasses: number;
  /** Extra runs of the whole model on altered inputs, one per masked copy. */
  inputPasses: number;
  /**
   * Rough peak bytes for one image: the host buffers (input, activations, gradients, one batch of
   * altered copies) plus every float tensor the model computes for the rows of one run, an upper
   * bound on what ONNX Runtime holds at once.
   */
  peakBytes: number;
}

export interface CostOptions {
  headBatch?: number;
  inputBatch?: number;
}

const F32 = 4;

/** Per-image passes and memory of `method` at `layer` (Score-CAM: K, constant channels are only known at run time). */
export function estimateCost(method: AnyMapMethod, model: ClassifierModel, layer: string, opts: CostOptions = {}): CostEstimate {
  const shape = model.shapeOf(layer);
  if (!shape || shape.length !== 4) throw new Error(`estimateCost: '${layer}' is not a 4-D feature map`);
  const [, k, h, w] = shape as [number, number, number, number];
  const { width, height } = model.inputSize;
  const inputBytes = 3 * width * height * F32;
  const layerBytes = k * h * w * F32;
  const { all, downstream } = tensorBytesPerImage(model, layer);
  const headBatch = Math.max(1, opts.headBatch ?? DEFAULT_HEAD_BATCH);
  const inputBatch = Math.max(1, opts.inputBatch ?? DEFAULT_INPUT_BATCH);
  const base = inputBytes + layerBytes + all;
  const cost: CostEstimate = { forwardPasses: 1, backwardPasses: 0, headPasses: 0, inputPasses: 0, peakBytes: base };
  switch (method.needs) {
    case 'activations':
      break;
    case 'gradients':
      // The backward graph roughly doubles what the run holds; the gradient is one more layer buffer.
      cost.backwardPasses = 1;
      cost.peakBytes = inputBytes + 2 * layerBytes + 2 * all;
      break;
    case 'headPasses': {
      cost.headPasses = method.name === 'reciprocam' ? h * w : k;
      const rows = Math.min(headBatch, cost.headPasses);
      cost.peakBytes = Math.max(base, inputBytes + layerBytes + rows * (layerBytes + downstream));
      break;
    }
    case 'inputPasses': {
      cost.inputPasses = k;
      const rows = Math.min(inputBatch, k);
      // Upsampled mask + one batch of masked inputs + what the model computes for that batch.
      cost.peakBytes = Math.max(base, inputBytes + layerBytes + width * height * F32 + rows * (inputBytes + all));
      break;
    }
  }
  return cost;
}

/** Bytes per image of every batched float tensor in the model, and of those computed from `layer` on. */
function tensorBytesPerImage(model: ClassifierModel, layer: string): { all: number; downstream: number } {
  const fromLayer = new Set([layer]);
  for (const n of model.index.nodes) {
    if ((n.input ?? []).some((i) => fromLayer.has(i))) for (const o of n.output ?? []) if (o) fromLayer.add(o);
  }
  let all = 0;
  let downstream = 0;
  const batch = model.probe.batch;
  for (const [name, dims] of model.probe.shapes) {
    if (dims.length === 0 || dims[0] !== batch || name === model.inputName) continue;
    const bytes = (dims.slice(1).reduce((a, b) => a * b, 1) * F32);
    all += bytes;
    if (fromLayer.has(name)) downstream += bytes;
  }
  return { all, downstream };
}
