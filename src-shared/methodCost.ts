// What a method costs per image before it runs: model passes (from the registry's needs and passes) and a rough
// peak of memory, from the layer's footprint. The CLI, the engine's tests and the run form all use this one rule.
import type { MethodInfo } from './methods.js';

/** Rows per head sub-graph run (Ablation-CAM, Recipro-CAM) and per full-model run (Score-CAM) by default. */
export const DEFAULT_HEAD_BATCH = 64;
export const DEFAULT_INPUT_BATCH = 16;

/** What the estimate needs to know of a model at one layer (src-main/explain/methods/cost.ts measures it). */
export interface LayerFootprint {
  /** The layer [K, h, w]. */
  channels: number;
  height: number;
  width: number;
  inputWidth: number;
  inputHeight: number;
  /** Bytes per image of every batched float tensor the model computes. */
  tensorBytes: number;
  /** Bytes per image of those computed from the layer on (what a head pass computes). */
  downstreamBytes: number;
}

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

/** Per-image passes and memory of a method at a layer (Score-CAM: K, constant channels are only known at run time). */
export function costPerImage(info: MethodInfo, f: LayerFootprint, opts: CostOptions = {}): CostEstimate {
  const inputBytes = 3 * f.inputWidth * f.inputHeight * F32;
  const layerBytes = f.channels * f.height * f.width * F32;
  const all = f.tensorBytes;
  const base = inputBytes + layerBytes + all;
  const extra = info.passes === 'positions' ? f.height * f.width : info.passes === 'channels' ? f.channels : 0;
  const cost: CostEstimate = { forwardPasses: 1, backwardPasses: 0, headPasses: 0, inputPasses: 0, peakBytes: base };
  switch (info.needs) {
    case 'activations':
    case 'attention':
      break;
    case 'gradients':
      // The backward graph roughly doubles what the run holds; the gradient is one more layer buffer.
      cost.backwardPasses = 1;
      cost.peakBytes = inputBytes + 2 * layerBytes + 2 * all;
      break;
    case 'headPasses': {
      cost.headPasses = extra;
      const rows = Math.min(Math.max(1, opts.headBatch ?? DEFAULT_HEAD_BATCH), extra);
      cost.peakBytes = Math.max(base, inputBytes + layerBytes + rows * (layerBytes + f.downstreamBytes));
      break;
    }
    case 'inputPasses': {
      cost.inputPasses = extra;
      const rows = Math.min(Math.max(1, opts.inputBatch ?? DEFAULT_INPUT_BATCH), extra);
      // Upsampled mask + one batch of masked inputs + what the model computes for that batch.
      cost.peakBytes = Math.max(base, inputBytes + layerBytes + f.inputWidth * f.inputHeight * F32 + rows * (inputBytes + all));
      break;
    }
  }
  return cost;
}
