// What the sanity view draws from a stored check: per method and step the mean ± standard deviation over the images
// of one similarity, the verdict words (the rule itself is src-shared/sanityTypes.ts), and
// which images a new check starts on.
import { meanSpread, type SanityImageScores, type SanityMethod } from '../../src-shared/sanityTypes.js';

export type SimilarityKey = 'spearman' | 'spearman_abs' | 'ssim';
export const SIMILARITIES: readonly { key: SimilarityKey; label: string }[] = [
  { key: 'spearman_abs', label: 'Spearman of |map|' },
  { key: 'spearman', label: 'Spearman' },
  { key: 'ssim', label: 'SSIM' },
];

/** Images a new check runs on unless the user picks: small, since each step is a full pass over them. */
export const DEFAULT_SANITY_IMAGES = 8;

export interface Band {
  mean: (number | null)[];
  /** mean − sd and mean + sd (null where no image defines the step). */
  lo: (number | null)[];
  hi: (number | null)[];
  /** Images that define each step. */
  n: number[];
}

/** Mean ± population standard deviation over the images, per step of one randomization mode. */
export function similarityBand(scores: SanityImageScores, mode: 'cascading' | 'independent', key: SimilarityKey): Band {
  const stats = scores[mode].map((step) => meanSpread(step.map((s) => s[key])));
  return {
    mean: stats.map((s) => s.mean),
    lo: stats.map((s) => (s.mean === null ? null : s.mean - s.sd!)),
    hi: stats.map((s) => (s.mean === null ? null : s.mean + s.sd!)),
    n: stats.map((s) => s.n),
  };
}

export function degradeVerdict(m: Pick<SanityMethod, 'degrades'>): { text: string; kind: 'ok' | 'bad' | 'none' } {
  if (m.degrades === null) return { text: 'not judged (no cascade)', kind: 'none' };
  return m.degrades ? { text: 'degrades', kind: 'ok' } : { text: 'fails to degrade', kind: 'bad' };
}

/** The compare selection when there is one, else the first images of the gallery's order; at most DEFAULT_SANITY_IMAGES. */
export function defaultSanityImages(selection: readonly number[], galleryIds: readonly number[]): number[] {
  return (selection.length ? selection : galleryIds).slice(0, DEFAULT_SANITY_IMAGES);
}
