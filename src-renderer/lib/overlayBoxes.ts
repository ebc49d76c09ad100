// The boxes an overlay draws: every ground-truth box, then the predicted one on top.
import type { Box } from '../../src-shared/explainTypes.js';

export interface OverlayBox {
  box: Box;
  kind: 'gt' | 'pred';
}

export function overlayBoxes(truths: readonly Box[], predicted: Box | null): OverlayBox[] {
  const boxes: OverlayBox[] = truths.map((box) => ({ box, kind: 'gt' }));
  if (predicted) boxes.push({ box: predicted, kind: 'pred' });
  return boxes;
}
