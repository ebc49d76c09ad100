// An image's true class as a model's logit index: the main process applies the dataset's label offset per model
// (src-shared/labelOffset.ts) and sends it with each model's top-5; the dataset's own label stands in where no model ran.
import type { ImageDetail } from '../../src-shared/ipc.js';

/** Under `modelId` when it ran on the image, else the first model that did, else the label in the dataset's numbering. */
export function trueClassOf(detail: ImageDetail, modelId?: number | null): number | null {
  const p = detail.predictions.find((x) => x.modelId === modelId) ?? detail.predictions[0];
  return p ? p.gtClass : detail.image.gtLabel;
}
