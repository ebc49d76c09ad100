// Class names for logit indices: a labels file (one per line) or the built-in ImageNet-1k names,
// shifted by a label offset (e.g. 1 for models whose logit 0 is 'background').
import { readFileSync } from 'node:fs';
import { CamscopeError } from '../errors.js';
import IMAGENET_CLASSES from './imagenetClasses.json' with { type: 'json' };

/** Outputs of an ImageNet-1k model with a background class first (TensorFlow-slim, Inception): names start at logit 1. */
const IMAGENET_WITH_BACKGROUND = 1001;

/**
 * The label offset when none is given: the model's camscope.label_offset metadata, else 1 for 1001 outputs (background
 * first), else 0. The one place this rule lives (labels, evaluation, the model registry).
 */
export function defaultLabelOffset(metadata: Record<string, string>, numClasses: number): number {
  return Number(metadata['camscope.label_offset'] ?? (numClasses === IMAGENET_WITH_BACKGROUND ? 1 : 0));
}

export class Labels {
  constructor(
    private readonly names: readonly string[],
    private readonly offset: number,
  ) {}

  /** Name of logit index i, or null when the labels do not cover it. */
  name(i: number): string | null {
    return this.names[i - this.offset] ?? null;
  }

  static fromFile(file: string, offset: number): Labels {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new CamscopeError(`${file}: cannot read labels file`);
    }
    const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
    while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
    if (lines.length === 0) throw new CamscopeError(`${file}: labels file is empty`);
    return new Labels(
      lines.map((l) => l.trim()),
      offset,
    );
  }

  /**
   * Built-in choice when no file is given: names stored in the model's metadata ('camscope.labels',
   * a JSON array), else ImageNet-1k when the logits count is 1000 + offset, else none.
   */
  static forModel(metadata: Record<string, string>, numClasses: number, offset: number | undefined): Labels {
    const fromMeta = metadata['camscope.labels'];
    if (fromMeta) {
      const names = JSON.parse(fromMeta) as string[];
      return new Labels(names, offset ?? Number(metadata['camscope.label_offset'] ?? 0));
    }
    const off = offset ?? defaultLabelOffset(metadata, numClasses);
    return new Labels(numClasses - off === 1000 ? IMAGENET_CLASSES : [], off);
  }
}
