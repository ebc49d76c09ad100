// MapGrid (a row-major 2-D activation map) with the engine's checks around the shared map maths.
import { CamscopeError } from '../../errors.js';
import * as shared from '../../../src-shared/mapGrid.js';

/** A 2-D map, row-major: the value at column x, row y is values[y * width + x]. */
export interface MapGrid {
  width: number;
  height: number;
  values: Float32Array;
}

/** Rejects a map whose size is not a positive integer size or does not match its values. */
export function checkMapGrid(map: MapGrid, what = 'activation map'): void {
  const { width, height, values } = map;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new CamscopeError(`${what}: size ${width}×${height} is not a positive integer size`);
  }
  if (values.length !== width * height) {
    throw new CamscopeError(`${what}: ${values.length} values for a ${width}×${height} grid (expected ${width * height})`);
  }
}

/** Smallest and largest value, skipping NaN; both are NaN when no value is a number. */
export const valueRange: (values: ArrayLike<number>) => { min: number; max: number } = shared.valueRange;

/** (v − min) / (max − min); a constant map has nothing to show, so it becomes all zeros rather than NaN. */
export function minMaxNormalize(map: MapGrid): MapGrid {
  checkMapGrid(map);
  return { width: map.width, height: map.height, values: shared.minMaxNormalize(map.values) };
}

/** F.interpolate(mode='bilinear', align_corners) to outW × outH, bit-identical to PyTorch's CPU kernel. */
export function upsampleBilinear(map: MapGrid, outW: number, outH: number, alignCorners = false): MapGrid {
  checkMapGrid(map);
  if (!(Number.isInteger(outW) && Number.isInteger(outH) && outW > 0 && outH > 0)) {
    throw new CamscopeError(`cannot upsample an activation map to ${outW}×${outH}`);
  }
  return { width: outW, height: outH, values: shared.upsampleBilinear(map, outW, outH, alignCorners) };
}
