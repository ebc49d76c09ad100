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
  /** Whether the map degrades: mean |Spearman| at the last cascading step below DEGRADE_BELOW. */
  degrades: boolean;
  /** Whether the random-logit map differs: its Spearman with the predicted class's map below CLASS_SENSITIVE_BELOW. */
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
