/// <reference lib="dom" />
// `node --import tsx bench/galleryBench.ts [--images N]`: gallery query times through the service and first paint of the
// gallery in headless Chromium through the loopback shell, on an N-image × 4-method project (reported, never asserted).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { intOption, parseArgs } from '../src-main/cli/args.js';
import { serve, RENDERER_DIR } from '../src-main/cli/serve.js';
import type { Request } from '../src-shared/ipc.js';
import { buildGallery } from '../test/store/galleryData.js';
import { launchChromium, noChromium } from '../test/helpers/chromium.js';

const args = parseArgs(process.argv.slice(2), { images: {} });
const n = intOption(args, 'images') ?? 10_000;
const methods = ['cam', 'gradcam', 'gradcam++', 'layercam'];
const REPEATS = 21;
/** Images the first screen can show (a 1400×900 window holds about 30 tiles); only these get real files. */
const FIRST_SCREEN = 200;
const THUMBS_AT_FIRST_PAINT = 12;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new Error(`${RENDERER_DIR}: run 'npm run build:renderer' first`);
if (noChromium) throw new Error(noChromium);

const dir = mkdtempSync(join(tmpdir(), 'camscope-gallery-bench-'));
const cwd = process.cwd();
// The shell remembers what it opens in CAMSCOPE_HOME: keep the bench project out of the user's list.
process.env.CAMSCOPE_HOME = dir;
try {
  // The generated project stores image paths relative to the working directory ('images/img<i>.png').
  process.chdir(dir);
  const file = join(dir, 'bench.camscope');
  const built = buildGallery(file, n, methods, { batch: 256, subsetLaterRuns: false });
  const [firstRun, secondRun] = built.runIds as [number, number];
  const sizes = built.facts.slice(0, FIRST_SCREEN).map((f) => built.store.getImage(f.id)!);
  built.store.close();
  mkdirSync('images');
  await Promise.all(
    sizes.map((im, i) =>
      sharp({ create: { width: im.width, height: im.height, channels: 3, background: { r: (37 * i) % 256, g: 120, b: 200 } } })
        .png()
        .toFile(im.path),
    ),
  );
  console.log(`gallery, ${n} images × ${methods.length} methods (${methods.join(', ')})`);

  const { shell, workspace } = await serve({ project: file });
  try {
    const handlers = workspace.handlers();
    const queries: [string, Omit<Request<'images.query'>, 'offset' | 'limit'>][] = [
      ['import order', { filters: {}, sort: 'id', order: 'asc', runId: firstRun }],
      ['confidence', { filters: {}, sort: 'confidence', order: 'desc', runId: firstRun }],
      ['iou', { filters: {}, sort: 'iou', order: 'desc', runId: firstRun }],
      ['disagreement', { filters: {}, sort: 'disagreement', order: 'desc', runId: firstRun, compareRunId: secondRun }],
      ['iou, val & correct filters', { filters: { dataset: 'val', correct: true }, sort: 'iou', order: 'desc', runId: firstRun }],
    ];
    const offsets = [0, Math.floor(n / 2), Math.max(0, n - 120)];
    console.log(`\n  images.query through the service: median ms per page of 120 rows (the gallery's page), ${REPEATS} runs each`);
    console.log(`  ${'sort'.padEnd(28)}${offsets.map((o) => `offset ${o}`.padStart(14)).join('')}`);
    for (const [label, q] of queries) {
      const cells: string[] = [];
      for (const offset of offsets) {
        const times: number[] = [];
        for (let k = 0; k < REPEATS; k++) {
          const t = performance.now();
          await handlers['images.query']({ ...q, offset, limit: 120 });
          times.push(performance.now() - t);
        }
        cells.push(median(times).toFixed(2).padStart(14));
      }
      console.log(`  ${label.padEnd(28)}${cells.join('')}`);
    }

    // First paint: navigation start → the first tiles drawn → THUMBS_AT_FIRST_PAINT thumbnails decoded. The first load
    // makes thumbnails (sharp, then cached in the project); later loads read them from the cache.
    const browser = await launchChromium();
    try {
      console.log(`\n  first paint in headless Chromium (1400×900), ms after navigation start`);
      console.log(`  ${'load'.padEnd(28)}${'tiles'.padStart(14)}${`${THUMBS_AT_FIRST_PAINT} thumbs`.padStart(14)}`);
      for (const label of ['cold (thumbnails made)', 'warm (cached)', 'warm (cached)']) {
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        await page.goto(`${shell.url}#/gallery`, { waitUntil: 'commit' });
        const tiles = await page.waitForFunction(() => document.querySelector('.cell .cap .line') && performance.now(), null, {
          timeout: 60_000,
          polling: 'raf',
        });
        const thumbs = await page.waitForFunction(
          (k) =>
            [...document.querySelectorAll<HTMLImageElement>('.cell img')].filter((i) => i.complete && i.naturalWidth > 0).length >= k &&
            performance.now(),
          THUMBS_AT_FIRST_PAINT,
          { timeout: 60_000, polling: 'raf' },
        );
        console.log(
          `  ${label.padEnd(28)}${Number(await tiles.jsonValue())
            .toFixed(0)
            .padStart(14)}${Number(await thumbs.jsonValue())
            .toFixed(0)
            .padStart(14)}`,
        );
        await page.close();
      }
    } finally {
      await browser.close();
    }
  } finally {
    await shell.close();
    workspace.close();
  }
} finally {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
}
