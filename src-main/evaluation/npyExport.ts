// Score maps as .npy files in the layout clovaai/wsolevaluation's evaluator loads:
// <root>/<method>/<image_id>.npy, image_id being the dataset-relative path with its extension.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CamscopeError } from '../errors.js';
import type { Grid } from '../../src-shared/mapGrid.js';
import { WSOL_SIZE, scoremapFromMap } from './metrics/index.js';

/** NPY format v1.0: magic, version, little-endian u16 header length, a Python dict literal padded to a multiple of 64. */
export function encodeNpyFloat32(values: Float32Array, shape: readonly number[]): Buffer {
  if (shape.reduce((a, b) => a * b, 1) !== values.length) throw new RangeError(`npy: ${values.length} values for shape ${shape.join('×')}`);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const preamble = 10; // 6 magic + 2 version + 2 length
  const padded = Math.ceil((preamble + dict.length + 1) / 64) * 64;
  const header = dict.padEnd(padded - preamble - 1, ' ') + '\n';
  const out = Buffer.alloc(padded + 4 * values.length);
  out.write('\x93NUMPY', 0, 'latin1');
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, preamble, 'latin1');
  for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i]!, padded + 4 * i);
  return out;
}

/** A layer-resolution map as wsolevaluation's inference writes it: 224×224 (cubic), min-max scaled to [0, 1]. */
export function scoremap224(map: Grid): Float32Array {
  return Float32Array.from(scoremapFromMap(map).values);
}

/** Writes <root>/<method>/<imageId>.npy; ':' of method variants becomes '-' so the folder name is portable. */
export function writeScoremap(root: string, method: string, imageId: string, map: Grid): string {
  if (imageId.split('/').some((part) => part === '..' || part === '')) {
    throw new CamscopeError(`${imageId}: image id is not a relative path inside the dataset`);
  }
  const file = join(root, method.replace(':', '-'), `${imageId}.npy`);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, encodeNpyFloat32(scoremap224(map), [WSOL_SIZE, WSOL_SIZE]));
  } catch (e) {
    throw new CamscopeError(`${file}: cannot write score map: ${(e as Error).message}`);
  }
  return file;
}
