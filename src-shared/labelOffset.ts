// Dataset labels ↔ a model's logits, as the app compares them: dataset class i is logit i + K, K the dataset's label
// offset where it sets one, else the model's default (src-main/model/labels.ts defaultLabelOffset: 1 for 1001 outputs
// with background first, else 0).

/** The largest label offset a dataset may set (far above any classifier's outputs; a typo, not a model). */
export const MAX_LABEL_OFFSET = 100_000;

/** The logit index of a dataset label under a model, null without a label. */
export function trueLogit(label: number | null, datasetOffset: number | null, modelOffset: number): number | null {
  return label === null ? null : label + (datasetOffset ?? modelOffset);
}
