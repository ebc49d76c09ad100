// `node --import tsx bench/storeBench.ts [--images N] [--batch B]`: store insert rates and gallery page times (reported, never asserted).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { intOption, parseArgs } from '../src-main/cli/args.js';
import type { GalleryQuery, GallerySort } from '../src-main/store/storeTypes.js';
import { buildGallery } from '../test/store/galleryData.js';

const args = parseArgs(process.argv.slice(2), { images: {}, batch: {} });
const n = intOption(args, 'images') ?? 10_000;
const batch = intOption(args, 'batch') ?? 32;
const methods = ['cam', 'gradcam', 'gradcam++', 'layercam'];
const REPEATS = 21;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const dir = mkdtempSync(join(tmpdir(), 'camscope-bench-'));
try {
  const file = join(dir, 'bench.camscope');
  const g = buildGallery(file, n, methods, { batch, subsetLaterRuns: false });
  const maps = n * methods.length;
  console.log(`project store, ${n} images × ${methods.length} methods, 7×7 maps, recordResults batches of ${batch}`);
  console.log(`  addImages      ${(n / g.timing.images).toFixed(0).padStart(8)} images/s  (${g.timing.images.toFixed(2)} s, one transaction)`);
  console.log(
    `  recordResults  ${(maps / g.timing.results).toFixed(0).padStart(8)} maps/s    (${g.timing.results.toFixed(2)} s, with predictions, boxes, IoU and disagreements)`,
  );

  const [first, second] = g.runIds as [number, number];
  const contexts: Record<GallerySort, Omit<GalleryQuery, 'offset' | 'limit'>> = {
    id: {},
    confidence: { filters: { modelId: g.modelId } },
    iou: { filters: { runId: first } },
    disagreement: { filters: { runId: first }, compareRunId: second },
  };
  const offsets = [0, Math.floor(n / 2), Math.max(0, n - 50)];
  console.log(`\n  median ms per gallery page (limit 50, total count included), ${REPEATS} runs each`);
  console.log(`  ${'sort'.padEnd(28)}${offsets.map((o) => `offset ${o}`.padStart(14)).join('')}`);
  const lines: [string, Omit<GalleryQuery, 'offset' | 'limit'>][] = [
    ...(Object.entries(contexts) as [GallerySort, Omit<GalleryQuery, 'offset' | 'limit'>][]).map(
      ([sort, ctx]) => [sort, { ...ctx, sort, order: 'desc' }] as [string, Omit<GalleryQuery, 'offset' | 'limit'>],
    ),
    ['iou, val & correct filters', { sort: 'iou', filters: { runId: first, dataset: 'val', correct: true } }],
  ];
  for (const [label, q] of lines) {
    const cells = offsets.map((offset) => {
      const times = Array.from({ length: REPEATS }, () => {
        const t = performance.now();
        g.store.queryImages({ ...q, offset, limit: 50 });
        return performance.now() - t;
      });
      return median(times).toFixed(2).padStart(14);
    });
    console.log(`  ${label.padEnd(28)}${cells.join('')}`);
  }
  g.store.close();
  console.log(`\n  project file ${(statSync(file).size / 1e6).toFixed(1)} MB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
