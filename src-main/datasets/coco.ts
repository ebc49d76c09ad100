// COCO object detection (Lin et al. 2014): annotations/instances_<split>.json with images
// {id, file_name, width, height}, annotations {image_id, category_id, bbox: [x, y, w, h], iscrowd}
// and categories {id, name}. Boxes are [x, y, x + w, y + h] (COCO coordinates are pixel edges).
// Class indices are contiguous in sorted category-id order; an image's label is the category of its
// largest box. Crowd annotations (iscrowd = 1) mark groups, not objects, and give no box.
// Images live in <split>/, images/<split>/, images/ or the root (the first that exists).
// Annotations' `segmentation` (polygons, uncompressed or compressed RLE; `cocoSegmentation.ts` decodes
// them as pycocotools' annToMask) becomes the image's ground truth for PxAP: foreground the non-crowd
// instances of the label's class united (with maskForeground 'objects': of every class), ignore the crowd
// regions of the same classes — COCO's own evaluation ignores crowd regions, as wsolevaluation ignores
// OpenImages' ignore masks. An image whose chosen instances lack segmentations keeps its boxes only.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CamscopeError } from '../errors.js';
import type { Box } from '../../src-shared/explainTypes.js';
import { segmentationRle, type Rle } from './cocoSegmentation.js';
import type { MaskForeground, ParsedDataset, RawBox, RawEntry } from './datasetTypes.js';
import { firstExistingDir } from './rootPaths.js';
import { displayName, readUtf8 } from './textFiles.js';

const INSTANCES = /^instances_(.+)\.json$/;

/** The instances files under annotations/, with the split each names. */
export async function findCocoAnnotations(root: string): Promise<{ file: string; split: string }[]> {
  const names = await readdir(join(root, 'annotations')).catch(() => []);
  return names
    .sort()
    .map((n) => ({ n, m: INSTANCES.exec(n) }))
    .filter((x) => x.m)
    .map((x) => ({ file: join(root, 'annotations', x.n), split: x.m![1]! }));
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number | string => (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string';
const isBbox = (v: unknown): v is [number, number, number, number] =>
  Array.isArray(v) && v.length === 4 && v.every((x) => typeof x === 'number' && Number.isFinite(x));

function arrayField(doc: Record<string, unknown>, key: string, file: string): unknown[] {
  const v = doc[key];
  if (v === undefined && key === 'annotations') return [];
  if (!Array.isArray(v)) throw new CamscopeError(`${file}: '${key}' must be an array (is this a COCO instances file?)`);
  return v;
}

async function pickAnnotations(root: string, split: string | undefined): Promise<{ file: string; split: string }> {
  const all = await findCocoAnnotations(root);
  if (split !== undefined) {
    const found = all.find((a) => a.split === split);
    if (!found) throw new CamscopeError(`${join(root, 'annotations', `instances_${split}.json`)}: file not found`);
    return found;
  }
  if (all.length === 1) return all[0]!;
  if (all.length === 0) throw new CamscopeError(`${join(root, 'annotations')}: no instances_<split>.json file`);
  throw new CamscopeError(`${root}: several COCO splits (${all.map((a) => a.split).join(', ')}); choose one with --split`);
}

interface Segment {
  label: number;
  crowd: boolean;
  segmentation: unknown;
  where: string;
}

/** The image's chosen instances (foreground) and crowd regions (ignore) as RLEs; null (with a warning where one is broken) when they give none. */
function segmentationMasks(
  segments: Segment[],
  size: { width: number; height: number } | undefined,
  imageWhere: string,
  warnings: string[],
): RawEntry['masks'] | null {
  const instances = segments.filter((sg) => !sg.crowd);
  if (instances.length === 0 || instances.every((sg) => sg.segmentation === undefined)) return null;
  const masks = { kind: 'rle' as const, foreground: [] as Rle[], ignore: [] as Rle[], where: imageWhere };
  for (const sg of segments) {
    if (sg.segmentation === undefined) {
      if (sg.crowd) continue;
      warnings.push(`${sg.where}: no segmentation while other instances of the image have one; the image's masks are left out`);
      return null;
    }
    if (Array.isArray(sg.segmentation) && !size) {
      warnings.push(`${imageWhere}: polygons need the image's width and height; the image's masks are left out`);
      return null;
    }
    const rle = segmentationRle(sg.segmentation, size?.height ?? 0, size?.width ?? 0);
    if ('problem' in rle) {
      warnings.push(`${sg.where}: ${rle.problem}; the image's masks are left out`);
      return null;
    }
    (sg.crowd ? masks.ignore : masks.foreground).push(rle.ok);
  }
  return masks;
}

export async function readCoco(root: string, split: string | undefined, maskForeground: MaskForeground = 'class'): Promise<ParsedDataset> {
  const chosen = await pickAnnotations(root, split);
  const name = displayName(root, chosen.file);
  let doc: unknown;
  try {
    doc = JSON.parse(await readUtf8(chosen.file));
  } catch (e) {
    if (e instanceof CamscopeError) throw e;
    throw new CamscopeError(`${chosen.file}: not valid JSON (${(e as Error).message})`);
  }
  if (!isRecord(doc)) throw new CamscopeError(`${chosen.file}: expected a JSON object with images, annotations and categories`);
  const warnings: string[] = [];

  const categories = arrayField(doc, 'categories', chosen.file).filter((c, k): c is { id: number; name: unknown } => {
    const ok = isRecord(c) && typeof c.id === 'number' && Number.isFinite(c.id);
    if (!ok) warnings.push(`${name}: categories[${k}] has no numeric id, ignored`);
    return ok;
  });
  categories.sort((a, b) => a.id - b.id);
  const classIndex = new Map(categories.map((c, k) => [c.id, k]));
  const classNames = categories.map((c) => String(c.name ?? c.id));

  const boxesOf = new Map<number | string, { boxes: RawBox[]; best: { label: number; area: number } | null; segments: Segment[] }>();
  const images = arrayField(doc, 'images', chosen.file);
  images.forEach((im) => {
    if (isRecord(im) && isId(im.id) && !boxesOf.has(im.id)) boxesOf.set(im.id, { boxes: [], best: null, segments: [] });
  });
  arrayField(doc, 'annotations', chosen.file).forEach((a, k) => {
    const where = `${name}: annotations[${k}]`;
    if (!isRecord(a) || !isId(a.image_id) || !isBbox(a.bbox)) return void warnings.push(`${where}: needs image_id and bbox [x, y, w, h], ignored`);
    const crowd = a.iscrowd === 1;
    const label = typeof a.category_id === 'number' ? classIndex.get(a.category_id) : undefined;
    const target = boxesOf.get(a.image_id);
    // A crowd region only matters as an ignore region of a known image and class.
    if (crowd && (label === undefined || !target)) return;
    if (label === undefined) return void warnings.push(`${where}: unknown category_id ${JSON.stringify(a.category_id)}, ignored`);
    if (!target) return void warnings.push(`${where}: image_id ${JSON.stringify(a.image_id)} is not in images, ignored`);
    target.segments.push({ label, crowd, segmentation: a.segmentation, where });
    if (crowd) return;
    const [x, y, w, h] = a.bbox;
    const box: Box = [x, y, x + w, y + h];
    target.boxes.push({ box, where });
    if (!target.best || w * h > target.best.area) target.best = { label, area: w * h };
  });

  const under = await firstExistingDir(root, [chosen.split, `images/${chosen.split}`, 'images']);
  const entries: RawEntry[] = [];
  const seen = new Map<number | string, number>();
  images.forEach((im, k) => {
    const where = `${name}: images[${k}]`;
    if (!isRecord(im) || !isId(im.id) || typeof im.file_name !== 'string') return void warnings.push(`${where}: needs id and file_name, skipped`);
    const first = seen.get(im.id);
    if (first !== undefined) return void warnings.push(`${where}: duplicate image id ${JSON.stringify(im.id)} (first at images[${first}]), skipped`);
    seen.set(im.id, k);
    const { boxes, best, segments } = boxesOf.get(im.id)!;
    const entry: RawEntry = { relPath: im.file_name, under, where, label: best?.label ?? null, boxes, split: chosen.split };
    if (typeof im.width === 'number' && typeof im.height === 'number') entry.statedSize = { width: im.width, height: im.height, where };
    const chosenSegments = segments.filter((sg) => maskForeground === 'objects' || sg.label === best?.label);
    const masks = segmentationMasks(chosenSegments, entry.statedSize, where, warnings);
    if (masks) entry.masks = masks;
    entries.push(entry);
  });
  return { classNames, entries, warnings };
}
