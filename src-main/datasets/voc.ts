// Pascal VOC (Everingham et al. 2010): Annotations/<id>.xml, JPEGImages/<filename>, and with a
// split ImageSets/Main/<split>.txt (without one, every annotation file). Classes are the 20 VOC
// classes in their standard order. VOC bndbox corners are 1-based inclusive pixel indices, so
// camscope's box is [xmin − 1, ymin − 1, xmax, ymax]. The label is the largest object's class.
// Images listed in any ImageSets/Segmentation/*.txt also get their segmentation as ground truth (PxAP):
// SegmentationClass/<id>.png, a palette PNG of class indices (0 background, k the k-th VOC class, 255 void
// — object borders and "difficult" regions, which PxAP ignores as wsolevaluation ignores OpenImages'
// ignore masks); foreground the label's class, or with maskForeground 'objects' every object — then read
// from SegmentationObject/<id>.png (instance indices, same void) where it exists.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Box } from '../../src-shared/explainTypes.js';
import type { MaskForeground, ParsedDataset, RawBox, RawEntry } from './datasetTypes.js';
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

/** The label PNGs' "void" index (boundaries and difficult regions). */
export const VOC_VOID = 255;

const area = (b: Box) => (b[2] - b[0]) * (b[3] - b[1]);

/** Ids listed in ImageSets/Segmentation/*.txt: the images whose segmentation VOC gives. */
async function segmentedIds(root: string): Promise<Set<string>> {
  const dir = join(root, 'ImageSets', 'Segmentation');
  const files = (await readdir(dir).catch(() => [])).filter((f) => f.toLowerCase().endsWith('.txt')).sort();
  const ids = new Set<string>();
  for (const f of files) for (const l of await readLines(root, join(dir, f))) ids.add(l.text.trim().split(/\s+/)[0]!);
  return ids;
}

/** The label PNG of a segmented image, relative to the root. */
async function labelPng(root: string, id: string, foreground: MaskForeground): Promise<string> {
  const objects = `SegmentationObject/${id}.png`;
  if (foreground === 'objects' && (await exists(join(root, objects)))) return objects;
  return `SegmentationClass/${id}.png`;
}

/** Annotation ids with where they were listed: the split file's lines, or the Annotations/ folder. */
async function annotationIds(root: string, split: string | undefined): Promise<{ id: string; where: string }[]> {
  if (split === undefined) {
    const files = (await readdir(join(root, 'Annotations'))).filter((f) => f.toLowerCase().endsWith('.xml')).sort();
    return files.map((f) => ({ id: f.slice(0, -4), where: `Annotations/${f}` }));
  }
  const lines = await readLines(root, join(root, 'ImageSets', 'Main', `${split}.txt`));
  return lines.map((l) => ({ id: l.text.trim().split(/\s+/)[0]!, where: l.where }));
}

export async function readVoc(root: string, split: string | undefined, maskForeground: MaskForeground = 'class'): Promise<ParsedDataset> {
  const warnings: string[] = [];
  const entries: RawEntry[] = [];
  const segmented = await segmentedIds(root);
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
    if (segmented.has(id)) {
      const foreground = maskForeground === 'objects' ? 'objects' : best.label + 1;
      entry.masks = { kind: 'labelPng', file: await labelPng(root, id, maskForeground), foreground, where: name };
    }
    entries.push(entry);
  }
  return { classNames: [...VOC_CLASSES], entries, warnings };
}
