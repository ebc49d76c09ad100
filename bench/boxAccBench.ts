// `npm run bench:boxacc`: CPU ms per map of MaxBoxAcc/MaxBoxAccV2's 100-threshold box sweep (MaxBoxAccAccumulator.add)
// on 224×224 scoremaps cubic-upsampled from random 7×7 CAMs with a few bumps, against the same sweep through every
// contour's points (findContours + boundingRect + contourArea at each distinct cut), in one run; same hits checked.
// `--baseline DIR`: also time DIR's src-main/evaluation/metrics/maxBoxAcc.ts (e.g. an older checkout) on the same maps.
import { resolve } from 'node:path';
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { Box } from '../src-shared/explainTypes.js';
import { rng } from '../src-shared/random.js';
import { MaxBoxAccAccumulator, camThresholds, scoremapToU8, wsolIoU } from '../src-main/evaluation/metrics/maxBoxAcc.js';
import { boundingRect, contourArea, findContours } from '../src-main/evaluation/metrics/contours.js';
import { scoremapFromMap, type Scoremap } from '../src-main/evaluation/metrics/scoremap.js';

const argv = process.argv.slice(2);
const option = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? undefined : argv[i + 1];
};
const N = Number(option('maps') ?? 60);
const r = rng(15);
const items: { sm: Scoremap; gt: Box[] }[] = Array.from({ length: N }, () => {
  const g = Array.from({ length: 1 + Math.floor(r() * 3) }, () => [r() * 7, r() * 7, 0.6 + r() * 1.5, 0.3 + r()] as const);
  const values = new Float32Array(49);
  for (let y = 0; y < 7; y++)
    for (let x = 0; x < 7; x++)
      for (const [cx, cy, s, a] of g) values[y * 7 + x]! += a * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s)) + 0.05 * r();
  const x0 = Math.floor(r() * 150);
  const y0 = Math.floor(r() * 150);
  return { sm: scoremapFromMap({ width: 7, height: 7, values }), gt: [[x0, y0, x0 + 20 + Math.floor(r() * 70), y0 + 20 + Math.floor(r() * 70)]] };
});

/** The sweep through the points: what add() did before ThresholdContours. */
function pointsSweep(sm: Scoremap, gt: Box[]): number[] {
  const u8 = scoremapToU8(sm);
  const maxU8 = u8.reduce((m, v) => Math.max(m, v), 0);
  const mask = new Uint8Array(u8.length);
  const byCut = new Map<number, number>();
  return camThresholds().map((t) => {
    const cut = Math.trunc(t * maxU8);
    let best = byCut.get(cut);
    if (best === undefined) {
      for (let i = 0; i < mask.length; i++) mask[i] = u8[i]! > cut ? 1 : 0;
      const contours = findContours(mask, sm.width, sm.height);
      const all: Box[] = contours.length
        ? contours.map((c) => boundingRect(c.points).map((v, j) => (j >= 2 ? Math.min(v, 223) : v)) as Box)
        : [[0, 0, 0, 0]];
      const areas = contours.map((c) => contourArea(c.points));
      const largest = contours.length ? all[areas.indexOf(Math.max(...areas))]! : all[0]!;
      best = Math.max(...gt.map((g) => wsolIoU(largest, g))) >= 0.5 ? 1 : 0;
      byCut.set(cut, best);
    }
    return best;
  });
}

function cpuMsPerMap(run: () => void, repeat = 3): number {
  run(); // warm
  const c0 = process.cpuUsage();
  for (let k = 0; k < repeat; k++) run();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / repeat / N;
}

const accumulate = (Acc: typeof MaxBoxAccAccumulator) => () => {
  const acc = new Acc();
  for (const it of items) acc.add(it.sm, it.gt);
  return acc;
};
const fast = cpuMsPerMap(accumulate(MaxBoxAccAccumulator));
const points = cpuMsPerMap(() => items.forEach((it) => pointsSweep(it.sm, it.gt)));
// Same V1 hits per threshold both ways (δ = 50, largest contour).
const acc = accumulate(MaxBoxAccAccumulator)();
const curve = acc.result().largestContour.find((c) => c.iouThreshold === 50)!.accuracy;
const hits = items.map((it) => pointsSweep(it.sm, it.gt));
const ref = camThresholds().map((_, ti) => (hits.reduce((s, h) => s + h[ti]!, 0) * 100) / N);
if (curve.some((a, ti) => a !== ref[ti])) throw new Error('the two sweeps disagree');
let line = `MaxBoxAcc sweep, ${N} maps 224×224, 100 thresholds: ${fast.toFixed(2)} ms CPU per map; through every contour's points ${points.toFixed(2)} ms (${(points / fast).toFixed(1)}×)`;
const baseline = option('baseline');
if (baseline) {
  const old = (await import(pathToFileURL(resolve(baseline, 'src-main/evaluation/metrics/maxBoxAcc.ts')).href)) as {
    MaxBoxAccAccumulator: typeof MaxBoxAccAccumulator;
  };
  const before = cpuMsPerMap(accumulate(old.MaxBoxAccAccumulator));
  const oldCurve = accumulate(old.MaxBoxAccAccumulator)().result();
  if (JSON.stringify(oldCurve) !== JSON.stringify(acc.result())) throw new Error(`${baseline} gives other results`);
  line += `; ${baseline}'s add() ${before.toFixed(2)} ms (${(before / fast).toFixed(1)}×, same results)`;
}
console.log(
  `${line}; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
