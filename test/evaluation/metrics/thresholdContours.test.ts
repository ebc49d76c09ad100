// The points-free contour path MaxBoxAcc runs (ThresholdContours: bounding rects and shoelace areas accumulated while
// tracing, runs skipped, only the foreground's row spans scanned) and findContours, which shares its tracer, against
// the plain per-pixel scan findContours was before (referenceContours.ts) + boundingRect + contourArea.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Box } from '../../../src-shared/explainTypes.js';
import { ThresholdContours, boundingRect, contourArea, findContours, largestContour } from '../../../src-main/evaluation/metrics/contours.js';
import { MaxBoxAccAccumulator, boxScratch, boxesAtThreshold, wsolIoU, type ThresholdBoxes } from '../../../src-main/evaluation/metrics/maxBoxAcc.js';
import { rng } from '../../../src-shared/random.js';
import { referenceFindContours } from './referenceContours.js';

/** compute_bboxes_from_scoremaps at one uint8 cut, the straightforward way: every contour's points. */
function referenceBoxes(u8: Uint8Array, width: number, height: number, cut: number): ThresholdBoxes {
  const contours = referenceFindContours(
    Array.from(u8, (v) => (v > cut ? 1 : 0)),
    width,
    height,
  );
  if (contours.length === 0) return { largest: [0, 0, 0, 0], all: [[0, 0, 0, 0]] };
  const clip = (r: number[]): Box => [r[0]!, r[1]!, Math.min(r[2]!, width - 1), Math.min(r[3]!, height - 1)];
  const all = contours.map((c) => clip(boundingRect(c.points)));
  const areas = contours.map((c) => contourArea(c.points));
  return { largest: all[areas.indexOf(Math.max(...areas))]!, all };
}

type Map8 = { name: string; width: number; height: number; u8: Uint8Array };

/** Uniform noise, few-level blobs (many equal areas), stamped identical squares and rings (ties, holes), edge-touching bars. */
function maps(): Map8[] {
  const r = rng(15);
  const out: Map8[] = [];
  const sizes: [number, number][] = [
    [1, 1],
    [1, 7],
    [7, 1],
    [2, 2],
    [3, 5],
    [9, 4],
    [16, 16],
    [23, 17],
    [40, 31],
  ];
  for (let rep = 0; rep < 12; rep++) {
    for (const [width, height] of sizes) {
      const n = width * height;
      // Noise at a few levels: speckle, single pixels, diagonal (8-connected) chains, holes everywhere.
      const levels = 2 + Math.floor(r() * 5);
      out.push({
        name: `noise ${width}×${height} #${rep}`,
        width,
        height,
        u8: Uint8Array.from({ length: n }, () => Math.floor(r() * levels) * Math.floor(255 / levels)),
      });
      // Blobs: a sum of a few Gaussians quantized to 4 levels; bumps may sit on the border.
      const g = Array.from(
        { length: 1 + Math.floor(r() * 4) },
        () => [r() * width, r() * height, 0.5 + r() * Math.max(width, height) * 0.3, r()] as const,
      );
      const blob = new Uint8Array(n);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          let v = 0;
          for (const [cx, cy, s, a] of g) v += a * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s));
          blob[y * width + x] = Math.min(255, Math.floor(v * 4) * 60);
        }
      }
      out.push({ name: `blobs ${width}×${height} #${rep}`, width, height, u8: blob });
      // Identical squares and rings (equal areas: the first in OpenCV's order must win), some cut by the border.
      const stamps = new Uint8Array(n);
      const side = 1 + Math.floor(r() * 4);
      const ring = r() < 0.5;
      for (let s = 0; s < 4; s++) {
        const x0 = Math.floor(r() * width) - 1;
        const y0 = Math.floor(r() * height) - 1;
        const level = r() < 0.5 ? 200 : 100;
        for (let y = y0; y < y0 + side + 2; y++) {
          for (let x = x0; x < x0 + side + 2; x++) {
            if (x < 0 || y < 0 || x >= width || y >= height) continue;
            const edge = y === y0 || x === x0 || y === y0 + side + 1 || x === x0 + side + 1;
            if (!ring || edge) stamps[y * width + x] = Math.max(stamps[y * width + x]!, level);
          }
        }
      }
      out.push({ name: `stamps ${width}×${height} #${rep}`, width, height, u8: stamps });
    }
  }
  // Full map, full border frame, one bar along each edge.
  const frame = new Uint8Array(12 * 9);
  for (let y = 0; y < 9; y++) for (let x = 0; x < 12; x++) frame[y * 12 + x] = x === 0 || y === 0 || x === 11 || y === 8 ? 255 : x === 5 ? 128 : 0;
  out.push({ name: 'frame and bar', width: 12, height: 9, u8: frame });
  out.push({ name: 'full', width: 6, height: 4, u8: new Uint8Array(24).fill(9) });
  out.push({ name: 'empty', width: 6, height: 4, u8: new Uint8Array(24) });
  return out;
}

test("findContours: the plain scan's contours; ThresholdContours: their rects, areas, hole flags and order, at every cut", () => {
  let cuts = 0;
  const tracers = new Map<string, ThresholdContours>();
  for (const m of maps()) {
    const key = `${m.width}×${m.height}`;
    // One tracer per size, reused across maps and cuts: what it clears after a cut must leave no trace for the next.
    const tc = tracers.get(key) ?? new ThresholdContours(m.width, m.height);
    tracers.set(key, tc);
    tc.setMap(m.u8);
    for (const cut of new Set([0, ...m.u8].map((v) => Math.max(0, v - 1)).concat([...m.u8]))) {
      const mask = Array.from(m.u8, (v) => (v > cut ? 1 : 0));
      const ref = referenceFindContours(mask, m.width, m.height);
      assert.deepEqual(findContours(mask, m.width, m.height), ref, `${m.name} at ${cut}: findContours`);
      const t = tc.cut(cut);
      assert.equal(t.count, ref.length, `${m.name} at ${cut}: contours`);
      ref.forEach((c, n) => {
        const k = t.order[n]!;
        const [x0, y0, x1, y1] = boundingRect(c.points);
        assert.deepEqual([t.x0[k], t.y0[k], t.x1[k]! + 1, t.y1[k]! + 1], [x0, y0, x1, y1], `${m.name} at ${cut}: rect ${n}`);
        assert.equal(Math.abs(t.area2[k]!) / 2, contourArea(c.points), `${m.name} at ${cut}: area ${n}`);
        assert.equal(t.isHole[k] === 1, c.isHole, `${m.name} at ${cut}: hole ${n}`);
      });
      assert.equal(
        largestContour(t),
        ref.length === 0 ? -1 : t.order[ref.findIndex((c, _, a) => contourArea(c.points) === Math.max(...a.map((d) => contourArea(d.points))))],
        `${m.name} at ${cut}: largest`,
      );
      cuts++;
    }
  }
  assert.ok(cuts > 1000, `${cuts} cuts`);
});

test('boxesAtThreshold (points-free, one scratch reused) equals the boxes from every contour’s points, ties and holes included', () => {
  let ties = 0;
  let holes = 0;
  const scratches = new Map<string, ReturnType<typeof boxScratch>>();
  for (const m of maps()) {
    const key = `${m.width}×${m.height}`;
    const scratch = scratches.get(key) ?? boxScratch(m.width, m.height);
    scratches.set(key, scratch);
    const maxU8 = Math.max(...m.u8);
    for (const t of [0, 0.2, 0.4, 0.5, 0.6, 0.8, 0.99]) {
      const cut = Math.trunc(t * maxU8);
      const ref = referenceBoxes(m.u8, m.width, m.height, cut);
      assert.deepEqual(boxesAtThreshold(m.u8, m.width, m.height, t, maxU8, scratch), ref, `${m.name} at ${t}`);
      const areas = findContours(
        Array.from(m.u8, (v) => (v > cut ? 1 : 0)),
        m.width,
        m.height,
      ).map((c) => [contourArea(c.points), c.isHole] as const);
      if (areas.filter(([a]) => a === Math.max(...areas.map(([b]) => b))).length > 1) ties++;
      if (areas.some(([, h]) => h)) holes++;
    }
  }
  // The maps do exercise what the order and the hole borders decide.
  assert.ok(ties > 100, `${ties} cuts with tied largest areas`);
  assert.ok(holes > 100, `${holes} cuts with hole borders`);
});

test('MaxBoxAccAccumulator: per image and threshold, the hits of the reference boxes at every δ, both settings', () => {
  const r = rng(16);
  for (const m of maps().filter((_, i) => i % 3 === 0)) {
    const gt: Box[] = Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
      const x0 = Math.floor(r() * m.width);
      const y0 = Math.floor(r() * m.height);
      return [x0, y0, x0 + Math.floor(r() * m.width), y0 + Math.floor(r() * m.height)];
    });
    const acc = new MaxBoxAccAccumulator();
    const maxV = Math.max(...m.u8);
    acc.add({ width: m.width, height: m.height, values: Float64Array.from(m.u8, (v) => (maxV === 0 ? 0 : v / maxV)) }, gt);
    const res = acc.result();
    // The accumulator's own uint8 map (trunc(v · 255)) and cuts, boxed the reference way.
    const u8 = Uint8Array.from(m.u8, (v) => Math.trunc((maxV === 0 ? 0 : v / maxV) * 255));
    const max8 = Math.max(...u8);
    const best = (boxes: Box[]) => Math.max(...boxes.flatMap((b) => gt.map((g) => wsolIoU(b, g))));
    acc.thresholds.forEach((t, ti) => {
      const ref = referenceBoxes(u8, m.width, m.height, Math.trunc(t * max8));
      const iou = { largest: best([ref.largest]), all: best(ref.all) };
      for (const c of res.largestContour)
        assert.equal(c.accuracy[ti], iou.largest >= c.iouThreshold / 100 ? 100 : 0, `${m.name} at ${t}, largest, δ ${c.iouThreshold}`);
      for (const c of res.allContours)
        assert.equal(c.accuracy[ti], iou.all >= c.iouThreshold / 100 ? 100 : 0, `${m.name} at ${t}, all, δ ${c.iouThreshold}`);
    });
  }
});
