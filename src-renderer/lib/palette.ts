// Series styling for plots: colour by method (stable across views), dash pattern by model.
import { splitMethod } from '../../src-shared/methods.js';

const METHOD_COLORS: Record<string, string> = {
  cam: '#2358c9',
  gradcam: '#e0702b',
  'gradcam++': '#1d9a6c',
  xgradcam: '#8e44ad',
  hirescam: '#c0392b',
  layercam: '#b08900',
  eigencam: '#34495e',
  ablationcam: '#0f8b8d',
  reciprocam: '#a23b72',
  scorecam: '#6b8e23',
};
const FALLBACK = ['#7f5539', '#5d6d7e', '#d35400', '#117a65'];
const DASHES: readonly (number[] | undefined)[] = [undefined, [7, 4], [2, 3], [10, 3, 2, 3]];

export function methodColor(method: string, fallbackIndex = 0): string {
  return METHOD_COLORS[splitMethod(method).base] ?? FALLBACK[fallbackIndex % FALLBACK.length]!;
}

/** Solid for the first model, then dashed, dotted, dash-dot. */
export function modelDash(modelIndex: number): number[] | undefined {
  return DASHES[modelIndex % DASHES.length];
}
