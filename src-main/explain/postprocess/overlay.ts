// CAM overlay PNG: the image blended with the jet-coloured, upsampled map (the lecture's imshow alpha=0.5), plus boxes.
import { writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { CamscopeError } from '../../errors.js';
import { type RgbImage, decodeImage } from '../../image/imageInput.js';
import { colormapIndex, colormapTable } from '../../../src-shared/colormap.js';
import { minMaxNormalize, upsampleBilinear, type MapGrid } from './mapGrid.js';
import type { Box } from '../../../src-shared/explainTypes.js';

/** matplotlib's jet as RGB bytes. */
const JET = colormapTable('jet');

/** Outline width in pixels, drawn inside the box so it never covers what lies outside. */
const BOX_LINE_WIDTH = 2;

export interface OverlayBox {
  box: Box;
  color: [r: number, g: number, b: number];
}

export type OverlayOptions = ({ imagePath: string } | { image: RgbImage }) & {
  /** Low-resolution map; it is min-max normalized, then upsampled to the image size. */
  map: MapGrid;
  /** Weight of the colormap: out = (1 − alpha)·image + alpha·jet(map). */
  alpha?: number;
  boxes?: OverlayBox[];
};

function checkRgbImage(image: RgbImage): void {
  const { width, height, data: rgb } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new CamscopeError(`overlay image: size ${width}×${height} is not a positive integer size`);
  }
  if (rgb.length !== width * height * 3) {
    throw new CamscopeError(`overlay image: ${rgb.length} bytes for ${width}×${height} RGB (expected ${width * height * 3})`);
  }
}

/** Paints the box outline inward, clipped to the image; boxes are rounded to whole pixels. */
function drawBox(out: Uint8Array, width: number, height: number, { box, color }: OverlayBox): void {
  const [x0, y0, x1, y1] = box.map(Math.round) as Box;
  const fill = (xa: number, ya: number, xb: number, yb: number): void => {
    for (let y = Math.max(ya, 0); y < Math.min(yb, height); y++) {
      for (let x = Math.max(xa, 0); x < Math.min(xb, width); x++) out.set(color, 3 * (y * width + x));
    }
  };
  const t = BOX_LINE_WIDTH;
  fill(x0, y0, x1, Math.min(y0 + t, y1));
  fill(x0, Math.max(y1 - t, y0), x1, y1);
  fill(x0, y0, Math.min(x0 + t, x1), y1);
  fill(Math.max(x1 - t, x0), y0, x1, y1);
}

/** The overlay as PNG bytes, at the image's (upright) size. */
export async function renderOverlay(options: OverlayOptions): Promise<Buffer> {
  const { map, alpha = 0.5, boxes = [] } = options;
  if (!(alpha >= 0 && alpha <= 1)) throw new CamscopeError(`overlay alpha ${alpha} is outside [0, 1]`);
  const image = 'imagePath' in options ? await decodeImage(options.imagePath) : options.image;
  checkRgbImage(image);
  const { width, height, data: rgb } = image;

  const heat = upsampleBilinear(minMaxNormalize(map), width, height).values;
  const out = new Uint8Array(width * height * 3);
  for (let p = 0, i = 0; p < heat.length; p++, i += 3) {
    const c = 3 * colormapIndex(heat[p]!);
    out[i] = Math.round((1 - alpha) * rgb[i]! + alpha * JET[c]!);
    out[i + 1] = Math.round((1 - alpha) * rgb[i + 1]! + alpha * JET[c + 1]!);
    out[i + 2] = Math.round((1 - alpha) * rgb[i + 2]! + alpha * JET[c + 2]!);
  }
  for (const b of boxes) drawBox(out, width, height, b);

  return sharp(out, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** renderOverlay, written to path. */
export async function writeOverlay(path: string, options: OverlayOptions): Promise<void> {
  const png = await renderOverlay(options);
  try {
    await writeFile(path, png);
  } catch (e) {
    throw new CamscopeError(`cannot write overlay ${path}: ${(e as Error).message}`);
  }
}
