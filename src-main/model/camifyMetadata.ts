// What a camified model records about its refit head ('camscope.camify' metadata) and the one line that
// says what CAM on it explains.
export const CAMIFY_METADATA_KEY = 'camscope.camify';

export type TargetSource = 'model' | 'labels';
export type CamifyHead = 'conv-gap' | 'linear';

export interface CamifyRecord {
  sourceSha256: string;
  sourceFile: string;
  /** The tensor CAM explains in the camified model (the source layer for a linear head). */
  layer: string;
  /** Absent in records written before the conv-gap head: linear. */
  head?: CamifyHead;
  /** The source model's layer the head reads. */
  sourceLayer?: string;
  /** The conv-gap head's 3×3 filters. */
  filters?: number;
  /** The conv-gap head's conv dilation (absent in records written before it: 1). */
  dilation?: number;
  /** Validation agreement of the head on each layer tried (one entry when --layer was given). */
  candidates?: { layer: string; valAgreement: number | null }[];
  targetSource: TargetSource;
  fit: { l2: number; valSplit: number; seed: number; iterations: number; stoppedBy: string; optimizer: string };
  images: number;
  trainImages: number;
  valImages: number;
  /** Share of validation images where the refit head's top-1 equals the original model's (null without validation). */
  valAgreement: number | null;
  /** Share of labelled validation images where the refit head's top-1 is the label (null without labels). */
  valAccuracy: number | null;
}

const percent = (v: number) => `${(v * 100).toFixed(1)} %`;
const count = (v: number) => v.toLocaleString('en-US').replace(/,/g, ' ');

export function describeCamify(r: CamifyRecord): string {
  const fidelity =
    r.valAgreement === null
      ? `fit on ${count(r.images)} images, no validation split`
      : `agreement ${percent(r.valAgreement)} with the original model on ${count(r.valImages)} validation images` +
        (r.valAccuracy === null ? '' : `, accuracy ${percent(r.valAccuracy)} against labels`);
  const targets = r.targetSource === 'model' ? "the original model's predictions" : 'the dataset labels';
  const head =
    r.head === 'conv-gap'
      ? `conv-gap head (3×3 conv${(r.dilation ?? 1) > 1 ? ` dilated ${r.dilation}` : ''}, ${r.filters} filters, ReLU, GAP, linear) on ${r.sourceLayer}`
      : `GAP head on ${r.sourceLayer ?? r.layer}`;
  return `CAM of the refit ${head}, trained on ${targets} (${fidelity})`;
}

/** The description of a camified model from its metadata; null for any other model. */
export function camifyDescription(metadata: Record<string, string>): string | null {
  const raw = metadata[CAMIFY_METADATA_KEY];
  if (!raw) return null;
  try {
    return describeCamify(JSON.parse(raw) as CamifyRecord);
  } catch {
    return null;
  }
}
