// A layer's footprint in a model (its size, the bytes the model computes per image, and those from the layer
// on), which the shared cost rule (src-shared/methodCost.ts) turns into a method's passes and memory.
import type { ClassifierModel } from '../../model/classifierModel.js';
import { type CostEstimate, type CostOptions, type LayerFootprint, costPerImage } from '../../../src-shared/methodCost.js';
import type { AnyMapMethod } from './method.js';

const F32 = 4;

export function layerFootprint(model: ClassifierModel, layer: string): LayerFootprint {
  const [channels, height, width] = model.mapShape(layer);
  const fromLayer = new Set([layer]);
  for (const n of model.index.nodes) {
    if ((n.input ?? []).some((i) => fromLayer.has(i))) for (const o of n.output ?? []) if (o) fromLayer.add(o);
  }
  let tensorBytes = 0;
  let downstreamBytes = 0;
  const batch = model.probe.batch;
  for (const [name, dims] of model.probe.shapes) {
    if (dims.length === 0 || dims[0] !== batch || name === model.inputName) continue;
    const bytes = dims.slice(1).reduce((a, b) => a * b, 1) * F32;
    tensorBytes += bytes;
    if (fromLayer.has(name)) downstreamBytes += bytes;
  }
  const { width: inputWidth, height: inputHeight } = model.inputSize;
  return { channels, height, width, inputWidth, inputHeight, tensorBytes, downstreamBytes };
}

/** Per-image passes and memory of `method` at `layer`. */
export function estimateCost(method: AnyMapMethod, model: ClassifierModel, layer: string, opts: CostOptions = {}): CostEstimate {
  return costPerImage(method.info, layerFootprint(model, layer), opts);
}
