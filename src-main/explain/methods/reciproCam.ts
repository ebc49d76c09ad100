// Recipro-CAM (Byun & Lee 2022, "Recipro-CAM: Fast gradient-free visual explanations for convolutional
// neural networks", arXiv:2209.14074): for each position (i,j) the feature map masked to that position,
// F^(i,j), goes through the head; M(i,j) = softmax(head(F^(i,j)))_c. h·w head passes per image, and each
// pass scores every class. Masks: 'single' keeps A[:, i, j] at (i,j) and zeros elsewhere; 'gaussian'
// is the authors' code (ReciproCam._mosaic_feature, is_gaussian=True), which spreads the vector
// A[:, i, j] over the 3×3 neighbourhood of (i,j) with weights [1 2 1; 2 4 2; 1 2 1]/16, cut at the
// borders and not renormalised. The '-logit' variants take the raw logit instead of the softmax score:
// with the single mask on a GAP → linear head, M(i,j) = CAM(i,j)/(h·w) + b_c exactly.
// The map is returned as scored (the authors then min-max normalise it, as camscope's display does).
// On a token layer this is the transformer form (Byun & Lee 2023, "ViT-ReciproCAM: Gradient and
// Attention-Free Visual Explanations for Vision Transformer"): the same masks on the grid tokens, the
// class/prefix tokens kept, through the remaining blocks.
import { type PerturbationMethod, requirePasses, softmaxAt } from './method.js';
import { defaultVariant, registeredMethod } from '../../../src-shared/methods.js';

const info = registeredMethod('reciprocam');

const GAUSSIAN = [
  [1 / 16, 1 / 8, 1 / 16],
  [1 / 8, 1 / 4, 1 / 8],
  [1 / 16, 1 / 8, 1 / 16],
] as const;

/**
 * Zeroed buffers of masked copies kept between calls: a head batch of a full-size layer is 10–20 MB, and a
 * fresh one per image costs more (allocation, first-touch page faults, collection) than the head pass reads.
 * A buffer in use is owned by its call (concurrent calls each take their own); one is kept when given back.
 */
const scratch = {
  free: null as Float32Array | null,
  take(length: number): Float32Array {
    const f = this.free;
    if (f && f.length === length) {
      this.free = null;
      return f;
    }
    return new Float32Array(length);
  },
  give(buffer: Float32Array): void {
    this.free = buffer;
  },
};

export const reciproCam: PerturbationMethod = {
  info,
  async compute(input) {
    const { activation, channels, size, target } = input;
    const variant = input.variant ?? defaultVariant(info);
    const passes = requirePasses(input, 'Recipro-CAM');
    const { layerWidth: w, layerHeight: h, classes } = passes;
    const gaussian = variant.startsWith('gaussian');
    const logit = variant.endsWith('-logit');
    const per = channels * size;
    const map = new Float32Array(size);
    const step = Math.max(1, passes.headBatch);
    // One zeroed buffer of `step` masked copies, reused chunk after chunk and image after image (`scratch`):
    // each chunk writes only its rows' masked positions and clears them again after the head pass.
    const batch = scratch.take(Math.min(step, size) * per);
    for (let p0 = 0; p0 < size; p0 += step) {
      const count = Math.min(step, size - p0);
      const scatter = (fill: boolean) => {
        for (let j = 0; j < count; j++) {
          const pos = p0 + j;
          const [i0, j0] = [Math.floor(pos / w), pos % w];
          const off = j * per;
          for (let di = -1; di <= 1; di++) {
            for (let dj = -1; dj <= 1; dj++) {
              if (!gaussian && (di !== 0 || dj !== 0)) continue;
              const [y, x] = [i0 + di, j0 + dj];
              if (y < 0 || y >= h || x < 0 || x >= w) continue;
              const g = gaussian ? GAUSSIAN[di + 1]![dj + 1]! : 1;
              const at = off + y * w + x;
              if (fill) for (let k = 0; k < channels; k++) batch[at + k * size] = g * activation[k * size + pos]!;
              else for (let k = 0; k < channels; k++) batch[at + k * size] = 0;
            }
          }
        }
      };
      scatter(true);
      const logits = await passes.head(batch.subarray(0, count * per), count);
      scatter(false);
      for (let j = 0; j < count; j++) {
        const row = logits.subarray(j * classes, (j + 1) * classes);
        map[p0 + j] = logit ? row[target]! : softmaxAt(row, target);
      }
    }
    scratch.give(batch); // clean again (not given back when a pass threw)
    return map;
  },
};
