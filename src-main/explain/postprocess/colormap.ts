// The engine's jet (matplotlib's byte table, shared with the renderer in src-shared/colormap.ts).
import { LUT_SIZE, colorAt, colormapIndex, colormapTable } from '../../../src-shared/colormap.js';

export type Rgb = [r: number, g: number, b: number];
export { LUT_SIZE };

/** Interleaved RGB bytes of jet, LUT_SIZE entries (matplotlib's to_rgba(bytes=True) truncation). */
export const JET_LUT: Uint8Array = colormapTable('jet');

/** The LUT entry matplotlib picks for t: floor(t·N), clamped to the table. */
export const jetIndex: (t: number) => number = colormapIndex;

/** jet colour of t in [0, 1] as [r, g, b] bytes. */
export const jet = (t: number): Rgb => colorAt('jet', t);
