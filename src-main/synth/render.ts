// Renders planned scenes: one librsvg pass (through sharp) draws the clutter and mark on the left half of a
// 2·size-wide transparent canvas and the objects alone on the right half; both are alpha-blended over the
// background here, and each object's exact box comes from its own alpha on the right half.
import sharp from 'sharp';
import type { Box } from '../../src-shared/explainTypes.js';
import { renderBackground } from './background.js';
import { type Disc, MARK_SIDE, type ScenePlan } from './scene.js';
import { shapeSvg } from './shapes.js';

/** The mark: a MARK_SIDE-pixel checker of 2×2-pixel black and white cells on whole pixels. */
function markSvg([x0, y0]: Box): string {
  const cells: string[] = [];
  for (let y = 0; y < MARK_SIDE; y += 2) {
    for (let x = 0; x < MARK_SIDE; x += 2) {
      cells.push(`<rect x="${x0 + x}" y="${y0 + y}" width="2" height="2" fill="${(x + y) % 4 === 0 ? '#fff' : '#000'}"/>`);
    }
  }
  return `<g shape-rendering="crispEdges">${cells.join('')}</g>`;
}

/** Nested <svg> viewports clip, so nothing of one half reaches the other. */
function layersSvg(plan: ScenePlan, objects: boolean): Buffer {
  const s = plan.size;
  const under = [...plan.clutter, ...(plan.mark ? [markSvg(plan.mark)] : [])].join('');
  const over = objects ? plan.objects.map((o) => shapeSvg(o.shape)).join('') : '';
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * s}" height="${s}" viewBox="0 0 ${2 * s} ${s}">` +
      `<svg x="0" y="0" width="${s}" height="${s}">${under}</svg><svg x="${s}" y="0" width="${s}" height="${s}">${over}</svg></svg>`,
  );
}

export interface RenderedScene {
  png: Buffer;
  /** Alpha (0..255) of the objects drawn alone on a transparent size × size canvas. */
  objectAlpha: Uint8Array;
}

/**
 * The scene as a PNG. `objects: false` leaves the objects out (same background, clutter and mark), which
 * tests use to recover each object's coverage from the composite.
 */
export async function renderScene(plan: ScenePlan, { objects = true } = {}): Promise<RenderedScene> {
  const s = plan.size;
  const rgb = renderBackground(plan.background, s);
  const layers = await sharp(layersSvg(plan, objects)).ensureAlpha().raw().toBuffer();
  const objectAlpha = new Uint8Array(s * s);
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      const under = (y * 2 * s + x) * 4;
      const over = under + 4 * s;
      objectAlpha[y * s + x] = layers[over + 3]!;
      blend(rgb, (y * s + x) * 3, layers, under);
      blend(rgb, (y * s + x) * 3, layers, over);
    }
  }
  const png = await sharp(rgb, { raw: { width: s, height: s, channels: 3 } })
    .png()
    .toBuffer();
  return { png, objectAlpha };
}

/** Source-over of the unpremultiplied RGBA pixel at `src` onto the RGB pixel at `dst`. */
function blend(rgb: Buffer, dst: number, rgba: Buffer, src: number): void {
  const a = rgba[src + 3]!;
  if (a === 0) return;
  for (let c = 0; c < 3; c++) rgb[dst + c] = Math.round((rgba[src + c]! * a + rgb[dst + c]! * (255 - a)) / 255);
}

/** Any pixel the object touches has its centre within r + √½; objects are placed 3 px apart, so no other's does. */
const NEAR = 1.5;

/** Whether a pixel's centre lies within r + NEAR of the disc's centre: the pixels its object may touch. */
export const nearDisc = (d: Disc, x: number, y: number) => Math.hypot(x + 0.5 - d.cx, y + 0.5 - d.cy) <= d.r + NEAR;

/**
 * Box (pixel edges, x1/y1 exclusive) of the pixels with alpha ≥ 50 % (within `disc` when given: one
 * object of several), or null when there are none.
 */
export function alphaBox(alpha: Uint8Array, size: number, disc?: Disc): Box | null {
  let x0 = size;
  let y0 = size;
  let x1 = 0;
  let y1 = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (alpha[y * size + x]! < 128 || (disc && !nearDisc(disc, x, y))) continue;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + 1);
      y1 = Math.max(y1, y + 1);
    }
  }
  return x1 > 0 ? [x0, y0, x1, y1] : null;
}
