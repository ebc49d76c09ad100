// The camify inputs: a layer's maps for every image, globally average-pooled to K values, and the
// original model's top-1 prediction, from one forward run per batch.
import type { Explainer } from '../explain/explainer.js';
import { argmax } from '../explain/explainer.js';

export interface PooledFeatures {
  /** [n, K] row-major: the mean of each channel over the layer's h×w positions. */
  x: Float32Array;
  k: number;
  n: number;
  /** The original model's predicted logit index per image. */
  top1: Int32Array;
}

export async function extractPooledFeatures(
  explainer: Explainer,
  layer: string,
  files: string[],
  opts: { batchSize: number; onProgress?: (done: number, total: number) => void },
): Promise<PooledFeatures> {
  const model = explainer.model;
  const [k, h, w] = model.mapShape(layer);
  const classes = model.numClasses;
  const n = files.length;
  const x = new Float32Array(n * k);
  const top1 = new Int32Array(n);
  // A model with a fixed batch dimension runs one image at a time, as explain does.
  const batchSize = model.dynamicBatch ? Math.max(1, opts.batchSize) : 1;
  const plane = h * w;
  for (let start = 0; start < n; start += batchSize) {
    const batch = files.slice(start, start + batchSize);
    const { input } = await explainer.loadBatch(batch);
    const out = await explainer.engine.forward(input, batch.length, [layer]);
    const a = out.layers.get(layer)!.activations;
    for (let row = 0; row < batch.length; row++) {
      const i = start + row;
      top1[i] = argmax(out.logits.subarray(row * classes, (row + 1) * classes));
      for (let ch = 0; ch < k; ch++) {
        const base = (row * k + ch) * plane;
        let s = 0;
        for (let p = 0; p < plane; p++) s += a[base + p]!;
        x[i * k + ch] = s / plane;
      }
    }
    opts.onProgress?.(Math.min(n, start + batch.length), n);
  }
  return { x, k, n, top1 };
}
