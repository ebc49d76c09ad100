// The stored sample values of a label PNG — palette indices for an indexed PNG (Pascal VOC's
// SegmentationClass/SegmentationObject: class or instance index per pixel, 255 void), grey levels for
// an 8-bit greyscale one — as PIL's np.array(Image.open(f)) gives them. sharp expands palettes to
// colours, so this reads the PNG itself: IHDR, the IDAT stream inflated, the five row filters undone.
import { readFile } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import { CamscopeError, firstLine } from '../errors.js';
import { MAX_PIXELS } from './imageInput.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const GREY = 0;
const PALETTE = 3;

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
}

export interface PngIndices {
  width: number;
  height: number;
  /** Row-major, one value per pixel. */
  values: Uint8Array;
}

/** IHDR of a label PNG; throws (a plain Error with the reason) for anything but a non-interlaced indexed or 8-bit grey PNG. */
export function pngHeader(buf: Uint8Array): PngHeader {
  if (buf.length < 33 || SIGNATURE.some((b, i) => buf[i] !== b)) throw new Error('not a PNG file');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint32(8) !== 13 || String.fromCharCode(...buf.subarray(12, 16)) !== 'IHDR') throw new Error('IHDR is not the first chunk');
  const [width, height] = [view.getUint32(16), view.getUint32(20)];
  const [bitDepth, colorType, compression, filter, interlace] = buf.subarray(24, 29);
  if (width === 0 || height === 0) throw new Error(`empty image (${width}×${height})`);
  if (width * height > MAX_PIXELS) throw new Error(`${width}×${height} is larger than ${MAX_PIXELS / 1e6} megapixels`);
  if (compression !== 0 || filter !== 0) throw new Error('unknown compression or filter method');
  if (interlace !== 0) throw new Error('interlaced PNGs are not supported as label masks');
  const indexed = colorType === PALETTE && [1, 2, 4, 8].includes(bitDepth!);
  if (!indexed && !(colorType === GREY && bitDepth === 8))
    throw new Error(`colour type ${colorType} at ${bitDepth} bits is not a label mask (needs an indexed or 8-bit greyscale PNG)`);
  return { width, height, bitDepth: bitDepth!, colorType: colorType! };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes a label PNG's bytes; throws a plain Error with the reason. */
export function decodePngIndices(buf: Uint8Array): PngIndices {
  const { width, height, bitDepth } = pngHeader(buf);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const idat: Uint8Array[] = [];
  let ended = false;
  for (let p = 8; p < buf.length && !ended;) {
    if (p + 12 > buf.length) throw new Error('truncated chunk');
    const length = view.getUint32(p);
    const type = String.fromCharCode(...buf.subarray(p + 4, p + 8));
    if (p + 12 + length > buf.length) throw new Error(`truncated ${type} chunk`);
    if (type === 'IDAT') idat.push(buf.subarray(p + 8, p + 8 + length));
    ended = type === 'IEND';
    p += 12 + length;
  }
  if (idat.length === 0) throw new Error('no IDAT chunk');
  const stride = Math.ceil((width * bitDepth) / 8);
  const expected = height * (stride + 1);
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: expected });
  } catch (e) {
    throw new Error(`corrupt image data (${firstLine(e)})`, { cause: e });
  }
  if (raw.length !== expected) throw new Error(`image data holds ${raw.length} bytes, ${width}×${height} needs ${expected}`);
  // Filters work on bytes, the left neighbour one byte back (bit depths ≤ 8 have one byte per pixel at most).
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = rows.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? rows.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    if (filter > 4) throw new Error(`unknown row filter ${filter} in row ${y}`);
    for (let x = 0; x < stride; x++) {
      const a = x > 0 ? row[x - 1]! : 0;
      const b = up[x]!;
      const predicted = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : paeth(a, b, x > 0 ? up[x - 1]! : 0);
      row[x] = (src[x]! + predicted) & 0xff;
    }
  }
  if (bitDepth === 8) return { width, height, values: rows };
  const values = new Uint8Array(width * height);
  const perByte = 8 / bitDepth;
  const maxValue = (1 << bitDepth) - 1;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const byte = rows[y * stride + Math.floor(x / perByte)]!;
      values[y * width + x] = (byte >> (8 - bitDepth * ((x % perByte) + 1))) & maxValue;
    }
  return { width, height, values };
}

/** Reads a label PNG; a problem is a one-line CamscopeError naming the file. */
export async function readPngIndices(file: string): Promise<PngIndices> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (e) {
    throw new CamscopeError(`${file}: cannot read the mask (${firstLine(e)})`);
  }
  try {
    return decodePngIndices(buf);
  } catch (e) {
    throw new CamscopeError(`${file}: not a readable label PNG (${firstLine(e)})`);
  }
}
