// Decodes images with sharp: EXIF orientation honoured, alpha dropped, sRGB 8-bit RGB.
import sharp from 'sharp';
import { CamscopeError, firstLine } from '../errors.js';

export interface RgbImage {
  width: number;
  height: number;
  /** Interleaved RGB, 8 bits per channel. */
  data: Uint8Array;
}

/** File extensions camscope reads as images: import, dataset folders and the file picker agree. */
export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff', '.bmp', '.gif', '.avif']);

/** Decompression-bomb guard for every sharp decode: 100 megapixels. */
export const MAX_PIXELS = 100_000_000;

/**
 * For a process that decodes each file once (eval streaming a dataset): turns off libvips' operation cache, which
 * otherwise keeps up to 50 MB of the last 100 operations' pixels that no later decode of another file can use (its
 * filling accounted for about 40 MB of eval's RSS rise over 10 000 images).
 */
export function decodeEachFileOnce(): void {
  sharp.cache(false);
}

/** Width and height as displayed (EXIF orientation applied), from the header only. */
export async function orientedSize(input: string | Buffer): Promise<{ width: number; height: number }> {
  const { width, height } = (await sharp(input, { limitInputPixels: MAX_PIXELS }).metadata()).autoOrient;
  if (!width || !height) throw new Error('no image size');
  return { width, height };
}

export async function decodeImage(file: string): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(file, { limitInputPixels: MAX_PIXELS, failOn: 'error', animated: false })
      .rotate()
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`${info.channels} channels after conversion`);
    return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  } catch (e) {
    const msg = firstLine(e);
    if (/no such file|ENOENT|missing/i.test(msg)) throw new CamscopeError(`${file}: file not found`);
    if (/unsupported image format/i.test(msg)) throw new CamscopeError(`${file}: not an image (unsupported format)`);
    if (/pixel limit/i.test(msg)) throw new CamscopeError(`${file}: image is larger than ${MAX_PIXELS / 1e6} megapixels`);
    throw new CamscopeError(`${file}: cannot decode image (${msg})`);
  }
}

/** Resizes the whole image to w×h with bilinear interpolation (no crop, aspect not kept). */
export async function resizeRgb(img: RgbImage, width: number, height: number): Promise<Uint8Array> {
  if (img.width === width && img.height === height) return img.data;
  const out = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
