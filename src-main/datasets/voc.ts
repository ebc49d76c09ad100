// Pascal VOC (Everingham et al. 2010): Annotations/<id>.xml, JPEGImages/<filename>, and with a
// split ImageSets/Main/<split>.txt (without one, every annotation file). Classes are the 20 VOC
// classes in their standard order. VOC bndbox corners are 1-based inclusive pixel indices, so
// camscope's box is [xmin − 1, ymin − 1, xmax, ymax]. The label is the largest object's class.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Box } from '../../src-shared/explainTypes.js';
import type { ParsedDataset, RawBox, RawEntry } from './datasetTypes.js';
import { exists } from './rootPaths.js';
import { readLines } from './textFiles.js';
import { readVocXml } from './vocXml.js';

export const VOC_CLASSES = [
  'aeroplane',
  'bicycle',
  'bird',
  'boat',
  'bottle',
  'bus',
  'car',
  'cat',
  'chair',
  'cow',
  'diningtable',
  'dog',
  'horse',
  'motorbike',
  'person',
  'pottedplant',
  'sheep',
  'sofa',
  'train',
  'tvmonitor',
];

const area = (b: Box) => (b[2] - b[0]) * (b[3] - b[1]);

/** Annotation ids with where they were listed: the split file's lines, or the Annotations/ folder. */
async function annotationIds(root: string, split: string | undefined): Promise<{ id: string; where: string }[]> {
  if (split === undefined) {
    const files = (await readdir(join(root, 'Annotations'))).filter((f) => f.toLowerCase().endsWith('.xml')).sort();
    return files.map((f) => ({ id: f.slice(0, -4), where: `Annotations/${f}` }));
  }
  const lines = await readLines(root, join(root, 'ImageSets', 'Main', `${split}.txt`));
  return lines.map((l) => ({ id: l.text.trim().split(/\s+/)[0]!, where: l.where }));
}

export async function readVoc(root: string, split: string | undefined): Promise<ParsedDataset> {
  const warnings: string[] = [];
  const entries: RawEntry[] = [];
  for (const { id, where } of await annotationIds(root, split)) {
    if (!/^[\w.-]+$/.test(id) || id.startsWith('.')) {
      warnings.push(`${where}: '${id}' is not a VOC image id (letters, digits, _ . -), skipped`);
      continue;
    }
    const name = `Annotations/${id}.xml`;
    const file = join(root, 'Annotations', `${id}.xml`);
    if (!(await exists(file))) {
      warnings.push(`${where}: ${name} not found, skipped`);
      continue;
    }
    const ann = await readVocXml(file, name, warnings);
    if (!ann) continue;
    let best: { label: number; area: number } | null = null;
    const boxes: RawBox[] = [];
    for (const o of ann.objects) {
      const label = VOC_CLASSES.indexOf(o.name);
      if (label < 0) {
        warnings.push(`${o.where}: unknown VOC class '${o.name}', object ignored`);
        continue;
      }
      const box: Box = [o.xmin - 1, o.ymin - 1, o.xmax, o.ymax];
      boxes.push({ box, where: o.where });
      if (!best || area(box) > best.area) best = { label, area: area(box) };
    }
    if (!best) {
      warnings.push(`${name}: no object of a VOC class, skipped`);
      continue;
    }
    const entry: RawEntry = { relPath: ann.filename ?? `${id}.jpg`, under: 'JPEGImages', where: name, label: best.label, boxes };
    if (ann.size) entry.statedSize = { ...ann.size, where: name };
    if (split !== undefined) entry.split = split;
    entries.push(entry);
  }
  return { classNames: [...VOC_CLASSES], entries, warnings };
}
