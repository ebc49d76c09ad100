// A tiny wsolevaluation-format dataset from four of the bundled demo images: two copies of each
// (folders a/ and b/) with their true labels, plus a third copy of the cross in c/ labelled 'circle'
// (0) so one image is misclassified and needs a separate ground-truth-class map.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Box } from '../../src-shared/explainTypes.js';

export const DEMO_MODEL = 'models/shapes-gap.onnx';
const DEMO_DIR = 'models/demo';
const FIXTURE_CLASSES = /^(triangle|star|cross|ring)_\d+\.png$/;

export interface FixtureImage {
  id: string;
  path: string;
  label: number;
  box: Box;
}

export function writeDemoDataset(root: string): FixtureImage[] {
  const truth = JSON.parse(readFileSync(join(DEMO_DIR, 'boxes.json'), 'utf8')) as Record<string, { label: number; box: Box }>;
  const chosen = Object.entries(truth).filter(([file]) => FIXTURE_CLASSES.test(file));
  const images: FixtureImage[] = [];
  for (const folder of ['a', 'b']) {
    for (const [file, t] of chosen)
      images.push({ id: `images/${folder}/${file}`, path: join(root, 'images', folder, file), label: t.label, box: t.box });
  }
  const cross = crossFile();
  images.push({ id: `images/c/${cross}`, path: join(root, 'images', 'c', cross), label: 0, box: truth[cross]!.box });
  for (const im of images) {
    mkdirSync(join(root, 'images', im.id.split('/')[1]!), { recursive: true });
    copyFileSync(join(DEMO_DIR, im.id.split('/')[2]!), im.path);
  }
  // wsolevaluation writes inclusive corners: x1 − 1, y1 − 1.
  writeFileSync(join(root, 'image_ids.txt'), images.map((im) => im.id).join('\n') + '\n');
  writeFileSync(join(root, 'class_labels.txt'), images.map((im) => `${im.id},${im.label}`).join('\n') + '\n');
  writeFileSync(join(root, 'localization.txt'), images.map(({ id, box: b }) => `${id},${b[0]},${b[1]},${b[2] - 1},${b[3] - 1}`).join('\n') + '\n');
  return images;
}

/** The demo image of a cross (its name carries the demo generator's index). */
export function crossFile(): string {
  const truth = JSON.parse(readFileSync(join(DEMO_DIR, 'boxes.json'), 'utf8')) as Record<string, unknown>;
  return Object.keys(truth).find((f) => f.startsWith('cross_'))!;
}

/** A CSV as rows of fields (no quoted fields in these fixtures). */
export function readCsv(text: string): string[][] {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => (l === '' ? [] : l.split(',')));
}
