// The methods registry: every map method's id, title, citation, needs, cost per image, multi-layer behaviour,
// variants (which is the default) and which library each matches. The data is methods.json; the engine's
// formulas (src-main/explain/methods/) attach to it by id, and the CLI help, the cost estimate, the renderer
// and the README's methods tables read it from here.
import registry from './methods.json' with { type: 'json' };

/**
 * How a method obtains what it needs, which decides the runs it costs: one forward run (activations), one
 * forward+backward run (gradients), the forward run plus passes of the head sub-graph after the layer
 * (headPasses) or of the whole model (inputPasses), or one forward run exposing the attention weights
 * (attention: vision transformers).
 */
export type MethodNeeds = 'activations' | 'gradients' | 'headPasses' | 'inputPasses' | 'attention';

/** The implementations variants are compared with (keys of methods.json's "libraries"). */
export type LibraryId = 'pytorch-grad-cam' | 'torchcam' | 'authors';

export interface MethodVariant {
  name: string;
  /** Exactly one variant per method is the default (what the bare id runs). */
  default?: boolean;
  description: string;
}

/** How a library's implementation relates to camscope's: exactly one variant, or how it differs from all. */
export type LibraryCorrespondence = { variant: string; note?: string } | { differs: string };

export interface MethodInfo {
  /** CLI id. */
  id: string;
  title: string;
  /** One-line citation of the paper the formula comes from. */
  citation: string;
  formula: string;
  needs: MethodNeeds;
  /** Defined only when the layer feeds a GAP → linear head (refused otherwise). */
  camHead: boolean;
  /** Extra passes per image of a perturbation method: one per channel (K) or per layer position (h·w). */
  passes: 'channels' | 'positions' | null;
  /** What several layers give besides one map each (null: only one map per layer). */
  fusion: string | null;
  /** The default first. */
  variants: MethodVariant[];
  /** Libraries that offer the method; a library not listed does not. */
  libraries: Partial<Record<LibraryId, LibraryCorrespondence>>;
}

export const LIBRARIES = registry.libraries as Record<LibraryId, string>;

/** Every method, in display order (CAM and Grad-CAM first). */
export const METHOD_REGISTRY = registry.methods as readonly MethodInfo[];

export const METHOD_NAMES: readonly string[] = METHOD_REGISTRY.map((m) => m.id);

export function methodInfo(id: string): MethodInfo | undefined {
  return METHOD_REGISTRY.find((m) => m.id === id);
}

/** The registry entry of a method the code implements (an internal error when methods.json lacks it). */
export function registeredMethod(id: string): MethodInfo {
  const info = methodInfo(id);
  if (!info) throw new Error(`method '${id}' is not in src-shared/methods.json`);
  return info;
}

export function defaultVariant(info: MethodInfo): string {
  return (info.variants.find((v) => v.default) ?? info.variants[0]!).name;
}

/** 'gradcam++:torchcam' → { base: 'gradcam++', variant: 'torchcam' }; no ':' → variant null. */
export function splitMethod(id: string): { base: string; variant: string | null } {
  const i = id.indexOf(':');
  return i < 0 ? { base: id, variant: null } : { base: id.slice(0, i), variant: id.slice(i + 1) };
}

/** The runs one image costs, in words: '1 forward', '1 forward + backward', 'K head passes', 'h·w head passes'. */
export function passesText(info: MethodInfo): string {
  const per = info.passes === 'positions' ? 'h·w' : 'K';
  switch (info.needs) {
    case 'activations':
      return '1 forward';
    case 'gradients':
      return '1 forward + backward';
    case 'headPasses':
      return `${per} head passes`;
    case 'inputPasses':
      return `${per} full passes`;
    case 'attention':
      return '1 forward (attention weights)';
  }
}
