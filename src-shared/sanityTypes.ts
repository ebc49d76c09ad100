// The contract of `camscope sanity --json` (Adebayo et al. 2018's model-parameter randomization and
// random-logit tests), which its HTML report renders.

/** Similarity of a method's maps to its maps on the original model, means over the images (null where no image defines it). */
export interface MapSimilarity {
  /** Spearman rank correlation of the maps (upsampled to the input). */
  spearman: number | null;
  /** Spearman rank correlation of their absolute values. */
  spearman_abs: number | null;
  /** SSIM of the min-max-scaled maps (skimage's Gaussian setting). */
  ssim: number | null;
}

export interface SanityStep extends MapSimilarity {
  /** The node randomized last (cascading) or alone (independent). */
  node: string;
  op: string;
}

export interface SanityMethod {
  /** Step k: the k + 1 parametrized nodes nearest the logits randomized. */
  cascading: SanityStep[];
  /** Step k: only the k-th node from the logits randomized. */
  independent: SanityStep[];
  /** The map of a random other class (seeded) against the predicted class's map, original model. */
  random_logit: MapSimilarity;
  /** Whether the map degrades (DEGRADE_RULE); null when no cascade was run. */
  degrades: boolean | null;
  /** Whether the random-logit map differs (CLASS_SENSITIVE_RULE). */
  class_sensitive: boolean;
}

export interface SanitySummary {
  model: string;
  layer: string;
  images: number;
  seed: number;
  /** The parametrized nodes, logits first. */
  nodes: { node: string; op: string }[];
  methods: Record<string, SanityMethod>;
  /** Methods that could not run on this model, with the engine's reason. */
  refused: Record<string, string>;
}

/** A method whose mean |Spearman| with its original maps stays at or above this once every layer is random has failed to degrade. */
export const DEGRADE_BELOW = 0.5;
/** A random other class's map this close (Spearman) to the predicted class's map means the method ignores the class. */
export const CLASS_SENSITIVE_BELOW = 0.95;

/** The verdict rules, stated once for the CLI, the report and the app's view. */
export const DEGRADE_RULE = `degrades when |mean Spearman(|m|, |m′|)| at the last cascading step (every parametrized layer random) is below ${DEGRADE_BELOW}`;
export const CLASS_SENSITIVE_RULE = `class-sensitive when the random-logit map's mean Spearman with the predicted class's map is below ${CLASS_SENSITIVE_BELOW}`;

/** The verdict of one method from its cascade (means over the images) and its random-logit similarity. */
export function sanityVerdict(cascading: readonly MapSimilarity[], randomLogit: MapSimilarity): Pick<SanityMethod, 'degrades' | 'class_sensitive'> {
  const last = cascading.at(-1);
  return {
    degrades: last === undefined ? null : last.spearman_abs !== null && Math.abs(last.spearman_abs) < DEGRADE_BELOW,
    class_sensitive: randomLogit.spearman === null || randomLogit.spearman < CLASS_SENSITIVE_BELOW,
  };
}

/** '/features/conv5/Conv' → 'conv5/Conv': the last two parts of a node name, how the report and the view label steps. */
export function shortNode(node: string): string {
  return node.split('/').filter(Boolean).slice(-2).join('/') || node;
}

/** Cascading: step k randomizes the k nodes nearest the logits; independent: only the k-th. */
export const SANITY_MODES = ['cascading', 'independent'] as const;
export type SanityMode = (typeof SANITY_MODES)[number];

/** Each image's similarities (images in the check's order), from which the summary's means are taken. */
export interface SanityImageScores {
  /** Step → image. */
  cascading: MapSimilarity[][];
  independent: MapSimilarity[][];
  /** Image → the random other class's map against the predicted class's. */
  random_logit: MapSimilarity[];
}

/** Mean and population standard deviation of the finite values (null when there are none). */
export function meanSpread(xs: readonly (number | null)[]): { mean: number | null; sd: number | null; n: number } {
  const d = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  if (!d.length) return { mean: null, sd: null, n: 0 };
  const mean = d.reduce((s, x) => s + x, 0) / d.length;
  return { mean, sd: Math.sqrt(d.reduce((s, x) => s + (x - mean) ** 2, 0) / d.length), n: d.length };
}

/** The per-field means of several similarities (what the summary holds per step). */
export function meanSimilarity(xs: readonly MapSimilarity[]): MapSimilarity {
  return {
    spearman: meanSpread(xs.map((x) => x.spearman)).mean,
    spearman_abs: meanSpread(xs.map((x) => x.spearman_abs)).mean,
    ssim: meanSpread(xs.map((x) => x.ssim)).mean,
  };
}
