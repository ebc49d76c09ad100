// Segmentation ground truth against the developer-run reference (scripts/fixtures/makeMaskReference.py):
// COCO segmentations decoded as pycocotools' annToMask (a Python port of cocoapi's maskApi.c, which the script
// asserts equal to maskApi.c itself, compiled, on every case: polygons, bbox-form parts, uncompressed and
// compressed RLE), label PNGs read as PIL reads them (palette at 8/4/2/1 bits,
// greyscale, all five row filters), and the 224×224 ground truth wsolevaluation's get_mask builds from them
// (VOC void and COCO crowd regions as its ignore). Then the malformed inputs, each one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { decodeRle, segmentationRle, type Rle } from '../../src-main/datasets/cocoSegmentation.js';
import { decodePngIndices } from '../../src-main/image/pngIndices.js';
import { labelGroundTruth, rleGroundTruth } from '../../src-main/evaluation/groundTruthMask.js';

interface Ref {
  coco: { name: string; height: number; width: number; segmentation: unknown; mask: [number, number][] }[];
  randomPolygons: { height: number; width: number; segmentation: number[][]; counts: number[] }[];
  pngs: { name: string; png: string; width: number; height: number; values: number[] }[];
  groundTruth: { name: string; png?: number; foreground: number | 'objects' | string[]; ignore?: string[]; mask: [number, number][] }[];
}
const ref = JSON.parse(readFileSync(new URL('../fixtures/masks/reference.json', import.meta.url), 'utf8')) as Ref;

const expand = (runs: [number, number][]) => runs.flatMap(([v, n]) => Array<number>(n).fill(v));
const rleOf = (name: string): Rle => {
  const c = ref.coco.find((x) => x.name === name)!;
  const r = segmentationRle(c.segmentation, c.height, c.width);
  assert.ok('ok' in r, name);
  return r.ok;
};

for (const c of ref.coco) {
  test(`COCO segmentation '${c.name}' decodes as pycocotools' annToMask`, () => {
    const rle = rleOf(c.name);
    assert.deepEqual([rle.height, rle.width], [c.height, c.width]);
    const mask = Array.from(decodeRle(rle));
    const expected = expand(c.mask);
    const wrong = mask.findIndex((v, i) => v !== expected[i]);
    assert.equal(wrong, -1, `first differing pixel (row-major) ${wrong}`);
    assert.equal(mask.length, expected.length);
  });
}

test("random polygons (1–2 parts, past the borders, 0–2 decimals) rasterize as maskApi.c's rleFrPoly and rleMerge", () => {
  assert.ok(ref.randomPolygons.length >= 100);
  for (const [k, c] of ref.randomPolygons.entries()) {
    const r = segmentationRle(c.segmentation, c.height, c.width);
    assert.ok('ok' in r, `polygon ${k}`);
    const want = decodeRle({ height: c.height, width: c.width, counts: Uint32Array.from(c.counts) });
    assert.deepEqual(decodeRle(r.ok), want, `polygon ${k}: ${JSON.stringify(c.segmentation)} on ${c.height}×${c.width}`);
  }
});

test('label PNGs decode to the indices PIL reads', () => {
  for (const p of ref.pngs) {
    const png = decodePngIndices(Buffer.from(p.png, 'base64'));
    assert.deepEqual([png.width, png.height], [p.width, p.height], p.name);
    assert.deepEqual(Array.from(png.values), p.values, p.name);
  }
});

test("224×224 ground truth equals get_mask's: VOC class or objects with void ignored, COCO instances with crowd ignored", () => {
  for (const g of ref.groundTruth) {
    const mask =
      typeof g.foreground === 'object'
        ? rleGroundTruth(g.foreground.map(rleOf), (g.ignore ?? []).map(rleOf))
        : labelGroundTruth(decodePngIndices(Buffer.from(ref.pngs[g.png!]!.png, 'base64')), g.foreground);
    assert.deepEqual(Array.from(mask), expand(g.mask), g.name);
    assert.ok(mask.includes(1) && mask.includes(0) && mask.includes(255), `${g.name} has foreground, background and ignore`);
  }
});

test('malformed COCO segmentations are one-line problems, never a partial mask', () => {
  const problem = (seg: unknown, h = 4, w = 5) => {
    const r = segmentationRle(seg, h, w);
    assert.ok('problem' in r, JSON.stringify(seg));
    assert.ok(!r.problem.includes('\n'));
    return r.problem;
  };
  assert.match(problem({ counts: [3, 4], size: [4, 5] }), /add up to 7, not 4·5 = 20/);
  assert.match(problem({ counts: [3, -1, 18], size: [4, 5] }), /integers ≥ 0/);
  assert.match(problem({ counts: 'PP~', size: [4, 5] }), /character '~'/);
  assert.match(problem({ counts: '0P', size: [4, 5] }), /ends inside a count/);
  assert.match(problem({ counts: 'ooooooo0', size: [4, 5] }), /more than 6 characters/);
  assert.match(problem({ counts: '04', size: [4, 5] }), /add up to/);
  assert.match(problem({ counts: '04', size: [4] }), /size must be \[height, width\]/);
  assert.match(problem({ counts: '04', size: [0, 5] }), /size must be/);
  assert.match(problem([]), /non-empty list/);
  assert.match(problem([[1, 2, 'x', 4, 5, 6]]), /non-empty list of number lists/);
  assert.match(problem([[1, 2, 3]]), /fewer than 2 points/);
  assert.match(problem([[1, 2, 3, 4, 5, 6], [1]]), /fewer than 2 points/);
  assert.match(
    problem([
      [1, 2, 3, 4],
      [1, 2, 3, 4, 5, 6],
    ]),
    /mixes boxes/,
  );
  assert.match(problem('polygon'), /polygons or an RLE/);
  // The reference's strings decode; one character more breaks the count sum.
  const ok = ref.coco.find((c) => c.name === 'compressed RLE 1')!;
  const seg = ok.segmentation as { counts: string; size: [number, number] };
  assert.match(problem({ ...seg, counts: seg.counts + '1' }, ok.height, ok.width), /add up to/);
});

/** A PNG from chunks, CRCs left zero (readers of label masks do not check them, as zlib checks the data). */
function png(ihdr: number[], rows: Uint8Array, extra: { interlace?: number } = {}): Buffer {
  const chunk = (type: string, data: Uint8Array) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    return Buffer.concat([head, data, Buffer.alloc(4)]);
  };
  const [w, h, depth, colour] = ihdr as [number, number, number, number];
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([depth, colour, 0, 0, extra.interlace ?? 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', new Uint8Array()),
  ]);
}

test('malformed label PNGs are one-line errors', () => {
  const fails = (buf: Uint8Array, pattern: RegExp) =>
    assert.throws(
      () => decodePngIndices(buf),
      (e: Error) => pattern.test(e.message) && !e.message.includes('\n'),
    );
  const good = png([2, 2, 8, 0], Uint8Array.from([0, 1, 2, 1, 3, 4]));
  assert.deepEqual(Array.from(decodePngIndices(good).values), [1, 2, 3, 7], 'Sub filter on row 1 adds the left neighbour: 3, 4 + 3');
  fails(Buffer.from('GIF89a not a png at all, really not a png'), /not a PNG file/);
  fails(good.subarray(0, 40), /truncated/);
  fails(png([2, 2, 8, 0], Uint8Array.from([0, 1, 2, 7, 3, 4])), /unknown row filter 7 in row 1/);
  fails(png([2, 2, 8, 0], Uint8Array.from([0, 1, 2])), /holds 3 bytes, 2×2 needs 6/);
  fails(png([2, 2, 8, 2], Uint8Array.from([0, 1, 2, 0, 3, 4])), /colour type 2 at 8 bits is not a label mask/);
  fails(png([2, 2, 16, 0], Uint8Array.from([0, 1, 2, 0, 3, 4])), /colour type 0 at 16 bits/);
  fails(png([2, 2, 8, 0], Uint8Array.from([0, 1, 2, 0, 3, 4]), { interlace: 1 }), /interlaced/);
  fails(png([0, 2, 8, 0], Uint8Array.from([0])), /empty image/);
  fails(png([20000, 20000, 8, 0], Uint8Array.from([0])), /larger than 100 megapixels/);
  const corrupt = Buffer.from(good);
  corrupt[corrupt.indexOf('IDAT', 0, 'latin1') + 6] ^= 0xff;
  fails(corrupt, /corrupt image data|holds/);
});
