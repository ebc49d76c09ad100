// Ground truth in the metadata format of clovaai/wsolevaluation (Choe et al. 2020): image_ids.txt,
// class_labels.txt "id,label", image_sizes.txt "id,w,h", localization.txt "id,x0,y0,x1,y1" per box with
// INCLUSIVE pixel indices (their IoU adds +1), so camscope's exclusive x1/y1 are written as x1−1/y1−1.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Box } from '../../src-shared/explainTypes.js';

export interface GroundTruth {
  id: string;
  label: number;
  width: number;
  height: number;
  /** camscope boxes (x1/y1 exclusive). */
  boxes: Box[];
}

export function writeWsolMetadata(dir: string, images: GroundTruth[], classes: readonly string[]): void {
  const lines = (f: (g: GroundTruth) => string[]) =>
    images
      .flatMap(f)
      .map((l) => `${l}\n`)
      .join('');
  writeFileSync(
    join(dir, 'image_ids.txt'),
    lines((g) => [g.id]),
  );
  writeFileSync(
    join(dir, 'class_labels.txt'),
    lines((g) => [`${g.id},${g.label}`]),
  );
  writeFileSync(
    join(dir, 'image_sizes.txt'),
    lines((g) => [`${g.id},${g.width},${g.height}`]),
  );
  writeFileSync(
    join(dir, 'localization.txt'),
    lines((g) => g.boxes.map(([x0, y0, x1, y1]) => `${g.id},${x0},${y0},${x1 - 1},${y1 - 1}`)),
  );
  writeFileSync(join(dir, 'classes.txt'), classes.map((c) => `${c}\n`).join(''));
}
