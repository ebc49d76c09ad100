// A VOC dataset of four bundled demo images with their segmentations, for the PxAP tests (pxapVocCoco, the
// project store's masks in report.export): each object a box of its class in SegmentationClass, a 2-pixel void
// ring round it, and a second object (class 19, tvmonitor) in the top-left corner.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { vocXml, writeText } from '../datasets/datasetFixtures.js';
import { DEMO_MODEL, writeDemoDataset, type FixtureImage } from './evalFixtures.js';
import { runCli } from '../helpers/cli.js';
import type { EvaluationSummary } from '../../src-shared/evaluationTypes.js';
import { VOC_CLASSES } from '../../src-main/datasets/voc.js';
import type { Box } from '../../src-shared/explainTypes.js';

export const SIDE = 128;
export const inBox = ([x0, y0, x1, y1]: Box, x: number, y: number, grow = 0) => x >= x0 - grow && x < x1 + grow && y >= y0 - grow && y < y1 + grow;
/** The second object: a 10-pixel square in the top-left corner, class 19 (tvmonitor) — background for PxAP. */
export const SECOND: Box = [0, 0, 10, 10];

/** Four demo images (all predicted right by the demo model), in a fresh folder. */
export function demoImages(): FixtureImage[] {
  return writeDemoDataset(mkdtempSync(join(tmpdir(), 'camscope-demo-'))).slice(0, 4);
}

export async function vocDataset(root: string, images: FixtureImage[]): Promise<void> {
  for (const im of images) {
    const stem = basename(im.path, '.png');
    const [x0, y0, x1, y1] = im.box;
    copyFileSync(im.path, join(writeDir(root, 'JPEGImages'), basename(im.path)));
    writeText(
      join(root, 'Annotations', `${stem}.xml`),
      vocXml(
        basename(im.path),
        [SIDE, SIDE],
        [
          [VOC_CLASSES[im.label]!, x0 + 1, y0 + 1, x1, y1],
          ['tvmonitor', 1, 1, 10, 10],
        ],
      ),
    );
    const labels = Uint8Array.from({ length: SIDE * SIDE }, (_, i) => {
      const [x, y] = [i % SIDE, Math.floor(i / SIDE)];
      return inBox(im.box, x, y) ? im.label + 1 : inBox(im.box, x, y, 2) ? 255 : inBox(SECOND, x, y) ? 20 : 0;
    });
    writeText(
      join(root, 'SegmentationClass', `${stem}.png`),
      await sharp(Buffer.from(labels), { raw: { width: SIDE, height: SIDE, channels: 1 } })
        .toColourspace('b-w')
        .png()
        .toBuffer(),
    );
  }
  writeText(join(root, 'ImageSets', 'Segmentation', 'val.txt'), images.map((im) => basename(im.path, '.png')).join('\n') + '\n');
}

export function writeDir(root: string, sub: string): string {
  mkdirSync(join(root, sub), { recursive: true });
  return join(root, sub);
}

/** `camscope eval --dataset root` with Grad-CAM alone (no faithfulness, no bootstrap): its summary. */
export async function evalPxap(dir: string, root: string, format: string): Promise<EvaluationSummary> {
  const r = await runCli([
    'eval',
    '--model',
    DEMO_MODEL,
    '--dataset',
    root,
    '--format',
    format,
    '--methods',
    'gradcam',
    '--no-faithfulness',
    '--bootstrap',
    '0',
    '--json',
    join(dir, `${format}.json`),
  ]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(readFileSync(join(dir, `${format}.json`), 'utf8')) as EvaluationSummary;
}
