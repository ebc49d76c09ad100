// The camify inputs, from one forward run per batch: for each candidate layer its maps globally average-pooled
// to C values (the linear head's features) or kept whole (the conv-gap head's), and the original model's
// softmax and top-1 prediction per image; with `views` > 1, the same for each image flipped left–right (rows n..2n−1)
// and, with 4, flipped upside down and turned by 180° (rows 2n..3n−1, 3n..4n−1): more distillation targets from the
// same images, each view with the original's own prediction on it.
import type { Explainer } from '../explain/explainer.js';
import { argmax, softmax } from '../explain/explainer.js';

/** The views of each image, in row order: rows v·n .. (v+1)·n − 1 hold view v. */
export const VIEW_NAMES = ['image', 'mirror image', 'upside down', 'turned 180°'] as const;

export interface LayerFeatures {
  /** [C, h, w] of one map. */
  shape: [number, number, number];
  /** [n, C, h, w] maps when kept, else [n, C] channel means. */
  x: Float32Array;
  pooled: boolean;
}

export interface ExtractedFeatures {
  /** Rows: the images, then each further view of them in the same order (VIEW_NAMES). */
  n: number;
  layers: Map<string, LayerFeatures>;
  /** The original model's predicted logit index per image. */
  top1: Int32Array;
  /** [n, classes]: the original model's softmax per image. */
  probabilities: Float32Array;
}

export async function extractFeatures(
  explainer: Explainer,
  layers: string[],
  files: string[],
  opts: { batchSize: number; pooled: boolean; views: 1 | 2 | 4; onProgress?: (done: number, total: number) => void },
): Promise<ExtractedFeatures> {
  const model = explainer.model;
  const classes = model.numClasses;
  const n = files.length * opts.views;
  const out = new Map<string, LayerFeatures>();
  for (const layer of layers) {
    const shape = model.mapShape(layer);
    out.set(layer, { shape, x: new Float32Array(n * shape[0] * (opts.pooled ? 1 : shape[1] * shape[2])), pooled: opts.pooled });
  }
  const top1 = new Int32Array(n);
  const probabilities = new Float32Array(n * classes);
  // A model with a fixed batch dimension runs one image at a time, as explain does.
  const batchSize = model.dynamicBatch ? Math.max(1, opts.batchSize) : 1;
  const run = async (input: Float32Array, rows: number, start: number) => {
    const result = await explainer.engine.forward(input, rows, layers);
    for (let row = 0; row < rows; row++) {
      const logits = result.logits.subarray(row * classes, (row + 1) * classes);
      top1[start + row] = argmax(logits);
      probabilities.set(softmax(logits), (start + row) * classes);
    }
    for (const [layer, f] of out) {
      const [c, h, w] = f.shape;
      const a = result.layers.get(layer)!.activations.subarray(0, rows * c * h * w);
      if (f.pooled) poolInto(a, h * w, f.x, start * c);
      else f.x.set(a, start * c * h * w);
    }
  };
  for (let start = 0; start < files.length; start += batchSize) {
    const batch = files.slice(start, start + batchSize);
    const { input } = await explainer.loadBatch(batch);
    await run(input, batch.length, start);
    const { width, height } = explainer.preprocessing;
    if (opts.views >= 2) await run(mirrored(input.slice(), width), batch.length, files.length + start);
    if (opts.views === 4) {
      const flipped = upsideDown(input, width, height);
      await run(flipped, batch.length, 2 * files.length + start);
      await run(mirrored(flipped, width), batch.length, 3 * files.length + start);
    }
    opts.onProgress?.(Math.min(files.length, start + batch.length), files.length);
  }
  return { n, layers: out, top1, probabilities };
}

/** Channel means of maps [rows, C, h, w] written at `offset` of x. */
function poolInto(a: Float32Array, plane: number, x: Float32Array, offset: number): void {
  for (let m = 0; m < a.length / plane; m++) {
    let s = 0;
    for (let p = 0; p < plane; p++) s += a[m * plane + p]!;
    x[offset + m] = s / plane;
  }
}

/** Each image of an [N, 3, H, W] batch flipped left–right, in place. */
function mirrored(input: Float32Array, width: number): Float32Array {
  for (let r = 0; r < input.length; r += width) input.subarray(r, r + width).reverse();
  return input;
}

/** Each plane of an [N, 3, H, W] batch flipped upside down, in place. */
function upsideDown(input: Float32Array, width: number, height: number): Float32Array {
  const row = new Float32Array(width);
  for (let plane = 0; plane < input.length; plane += width * height) {
    for (let y = 0; y < height >> 1; y++) {
      const [a, b] = [plane + y * width, plane + (height - 1 - y) * width];
      row.set(input.subarray(a, a + width));
      input.copyWithin(a, b, b + width);
      input.set(row, b);
    }
  }
  return input;
}
