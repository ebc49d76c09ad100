// Dataset labels ↔ model outputs: dataset class i is logit i + K (K = 1 for ImageNet models with a background class).
import { CamscopeError } from '../errors.js';
import type { DatasetItem } from '../datasets/datasetTypes.js';
import type { ClassifierModel } from '../model/classifierModel.js';
import { defaultLabelOffset } from '../model/labels.js';

/** --label-offset when given, else the model's camscope.label_offset metadata, else 1 for 1001 outputs (background first), else 0. */
export function resolveLabelOffset(model: ClassifierModel, given: number | undefined): number {
  const offset = given ?? defaultLabelOffset(model.metadata, model.numClasses);
  if (!Number.isInteger(offset) || offset < 0 || offset >= model.numClasses) {
    throw new CamscopeError(`--label-offset ${offset}: expected an integer in [0, ${model.numClasses - 1}] for ${model.file}`);
  }
  return offset;
}

/** Refuses images whose labels, shifted by the offset, fall outside the model's outputs (names the first such image). */
export function checkLabelsFit(items: readonly DatasetItem[], model: ClassifierModel, offset: number): void {
  const bad = items.find((it) => it.label !== null && (it.label + offset < 0 || it.label + offset >= model.numClasses));
  if (bad) {
    throw new CamscopeError(
      `${bad.path}: dataset class ${bad.label} + label offset ${offset} is outside the ${model.numClasses} outputs of ${model.file} (check --label-offset)`,
    );
  }
}
