// Disagreement of two maps of one image: 1 − Pearson r, in 0..2 (0 = same shape up to scale and offset).
import { pearsonValues } from '../../src-shared/mapAgreement.js';

/** 1 − r, or null when r is undefined (a constant map): a made-up value would sort as if it meant something. */
export function disagreement(a: Float32Array, b: Float32Array): number | null {
  if (a.length !== b.length || a.length === 0) throw new Error(`disagreement: maps of ${a.length} and ${b.length} values`);
  const r = pearsonValues(a, b);
  return r === null ? null : 1 - r;
}
