// renderOverlay / writeOverlay on tiny synthetic images: exact blended pixels, box outlines, orientation, sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { renderOverlay, writeOverlay } from '../../src-main/explain/postprocess/overlay.js';
import type { RgbImage } from '../../src-main/image/imageInput.js';
import type { MapGrid } from '../../src-main/explain/postprocess/mapGrid.js';
import { CamscopeError } from '../../src-main/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'camscope-overlay-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Decoded overlay, with an accessor for the RGB of pixel (x, y). */
async function decode(png: Buffer): Promise<{ width: number; height: number; at: (x: number, y: number) => number[] }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 3);
  const at = (x: number, y: number): number[] => [...data.subarray(3 * (y * info.width + x), 3 * (y * info.width + x) + 3)];
  return { width: info.width, height: info.height, at };
}

/** Pixel p of a 4×4 test image is (10p, 100, 255 − 10p). */
const gradient: RgbImage = {
  width: 4,
  height: 4,
  data: Uint8Array.from({ length: 48 }, (_, i) => [10 * ((i / 3) | 0), 100, 255 - 10 * ((i / 3) | 0)][i % 3]!),
};
/** Normalizes to [[0, 1/3], [2/3, 1]]; upsampled to 4×4 it is [0 1 3 4; 2 3 5 6; 6 7 9 10; 8 9 11 12] / 12. */
const ramp: MapGrid = { width: 2, height: 2, values: Float32Array.from([0, 4, 8, 12]) };

test('blends half image, half jet of the upsampled normalized map (image read from a PNG file)', async () => {
  const path = join(dir, 'gradient.png');
  await sharp(gradient.data, { raw: { width: 4, height: 4, channels: 3 } })
    .png()
    .toFile(path);
  const out = await decode(await renderOverlay({ imagePath: path, map: ramp }));
  assert.equal(out.width, 4);
  assert.equal(out.height, 4);
  // (0,0): map 0 → jet (0,0,127); image (0,100,255) → (0, 50, 191)
  assert.deepEqual(out.at(0, 0), [0, 50, 191]);
  // (1,0): map 1/12 → entry 21 = (0,0,222); image (10,100,245) → (5, 50, 233.5 → 234)
  assert.deepEqual(out.at(1, 0), [5, 50, 234]);
  // (2,1): map 5/12 → entry 106 = (54,255,192); image (60,100,195) → (57, 177.5 → 178, 193.5 → 194)
  assert.deepEqual(out.at(2, 1), [57, 178, 194]);
  // (3,3): map 1 → jet (127,0,0); image (150,100,105) → (138.5 → 139, 50, 52.5 → 53)
  assert.deepEqual(out.at(3, 3), [139, 50, 53]);
});

test('alpha 0 leaves the image untouched, alpha 1 shows the colormap alone', async () => {
  const plain = await decode(await renderOverlay({ image: gradient, map: ramp, alpha: 0 }));
  assert.deepEqual(plain.at(2, 1), [60, 100, 195]);
  const heat = await decode(await renderOverlay({ image: gradient, map: ramp, alpha: 1 }));
  assert.deepEqual(heat.at(0, 0), [0, 0, 127]);
  assert.deepEqual(heat.at(3, 3), [127, 0, 0]);
});

test('boxes are 2-pixel outlines drawn inside the box, clipped to the image', async () => {
  const grey: RgbImage = { width: 10, height: 8, data: new Uint8Array(240).fill(80) };
  const flat: MapGrid = { width: 1, height: 1, values: Float32Array.from([3]) }; // constant → jet(0) everywhere
  const blended = [40, 40, 104];
  const magenta: [number, number, number] = [255, 0, 255];
  const out = await decode(await renderOverlay({ image: grey, map: flat, boxes: [{ box: [2, 1, 8, 7], color: magenta }] }));
  for (const [x, y] of [
    [2, 1],
    [3, 2],
    [7, 6],
    [6, 5],
    [2, 6],
    [7, 1],
    [5, 1],
    [5, 2],
    [6, 4],
  ]) {
    assert.deepEqual(out.at(x!, y!), magenta, `(${x}, ${y}) on the outline`);
  }
  for (const [x, y] of [
    [4, 3],
    [5, 4],
    [1, 5],
    [8, 4],
    [5, 7],
    [9, 7],
  ]) {
    assert.deepEqual(out.at(x!, y!), blended, `(${x}, ${y}) off the outline`);
  }

  // Sticking out at the top left: its bottom rows (y 1, 2) and right columns (x 1, 2) remain.
  const green: [number, number, number] = [0, 255, 0];
  const clipped = await decode(await renderOverlay({ image: grey, map: flat, boxes: [{ box: [-3, -3, 3, 3], color: green }] }));
  for (const [x, y] of [
    [0, 1],
    [0, 2],
    [1, 0],
    [2, 0],
    [2, 2],
  ])
    assert.deepEqual(clipped.at(x!, y!), green, `(${x}, ${y})`);
  for (const [x, y] of [
    [0, 0],
    [3, 3],
    [3, 0],
  ])
    assert.deepEqual(clipped.at(x!, y!), blended, `(${x}, ${y})`);
});

test('EXIF orientation is applied: the overlay has the upright size', async () => {
  const path = join(dir, 'rotated.jpg');
  await sharp({ create: { width: 6, height: 4, channels: 3, background: { r: 200, g: 10, b: 10 } } })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .toFile(path);
  const out = await decode(await renderOverlay({ imagePath: path, map: ramp }));
  assert.deepEqual([out.width, out.height], [4, 6]);
});

test('grey and RGBA inputs decode to RGB, alpha dropped', async () => {
  const greyPath = join(dir, 'grey.png');
  await sharp(Uint8Array.from([0, 90, 180, 255, 30, 60]), { raw: { width: 3, height: 2, channels: 1 } })
    .png()
    .toFile(greyPath);
  const grey = await decode(await renderOverlay({ imagePath: greyPath, map: ramp, alpha: 0 }));
  assert.deepEqual([grey.width, grey.height], [3, 2]);
  assert.deepEqual(grey.at(1, 0), [90, 90, 90]);

  const rgbaPath = join(dir, 'rgba.png');
  await sharp(Uint8Array.from([10, 20, 30, 0, 40, 50, 60, 128]), { raw: { width: 2, height: 1, channels: 4 } })
    .png()
    .toFile(rgbaPath);
  const rgba = await decode(await renderOverlay({ imagePath: rgbaPath, map: ramp, alpha: 0 }));
  assert.deepEqual(
    [rgba.at(0, 0), rgba.at(1, 0)],
    [
      [10, 20, 30],
      [40, 50, 60],
    ],
  );
});

test('writeOverlay writes a PNG of the image size', async () => {
  const path = join(dir, 'out.png');
  await writeOverlay(path, { image: gradient, map: ramp });
  const meta = await sharp(path).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 4, 4]);
});

test('unreadable images, bad alpha, bad buffers and unwritable paths are CamscopeErrors', async () => {
  await assert.rejects(
    renderOverlay({ imagePath: join(dir, 'missing.png'), map: ramp }),
    (e: Error) => e instanceof CamscopeError && e.message.includes('missing.png'),
  );
  await assert.rejects(renderOverlay({ image: gradient, map: ramp, alpha: 1.5 }), CamscopeError);
  await assert.rejects(renderOverlay({ image: { ...gradient, data: new Uint8Array(5) }, map: ramp }), CamscopeError);
  await assert.rejects(writeOverlay(join(dir, 'no', 'such', 'dir.png'), { image: gradient, map: ramp }), CamscopeError);
});
