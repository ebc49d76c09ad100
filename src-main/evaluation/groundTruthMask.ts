// An image's segmentation ground truth at the scoremap scale, as wsolevaluation's get_mask reads it: each
// binary mask resized to 224×224 by nearest neighbour (cv2 INTER_NEAREST), > 0.5, the foreground masks
// united, the ignore mask minus the foreground left out. OpenImages30k gives the binary masks as files; a
// VOC label PNG gives them as the pixels of the foreground class(es) and its void (255) pixels; COCO as
// the decoded RLEs of the instances and of the crowd regions. (Nearest neighbour picks pixels, so
// resizing the binary masks or the label image before comparing gives the same mask.)
import sharp from 'sharp';
import { CamscopeError, firstLine } from '../errors.js';
import { decodeRle, type Rle } from '../datasets/cocoSegmentation.js';
import type { DatasetItem, GroundTruthMasks } from '../datasets/datasetTypes.js';
import { resolveStoredMasks, type StoredMasks } from '../datasets/storedMasks.js';
import { VOC_VOID } from '../datasets/voc.js';
import { readPngIndices, type PngIndices } from '../image/pngIndices.js';
import { WSOL_SIZE, groundTruthMask, resizeNearest } from './metrics/index.js';

const toScoremapSize = (mask: Uint8Array, width: number, height: number) => resizeNearest(mask, width, height, WSOL_SIZE, WSOL_SIZE);

async function readMask(file: string): Promise<Uint8Array> {
  try {
    const { data, info } = await sharp(file).greyscale().raw().toBuffer({ resolveWithObject: true });
    return toScoremapSize(data, info.width, info.height);
  } catch (e) {
    throw new CamscopeError(`${file}: not a readable mask image (${(e as Error).message.split('\n')[0]})`);
  }
}

/** A label image's ground truth: foreground the pixels of `foreground` (every object index 1–254 for 'objects'), ignore the void. */
export function labelGroundTruth({ width, height, values }: PngIndices, foreground: number | 'objects'): Uint8Array {
  const fg = new Uint8Array(values.length);
  const ignore = new Uint8Array(values.length);
  values.forEach((v, i) => {
    fg[i] = (foreground === 'objects' ? v > 0 && v < VOC_VOID : v === foreground) ? 1 : 0;
    ignore[i] = v === VOC_VOID ? 1 : 0;
  });
  return groundTruthMask([toScoremapSize(fg, width, height)], toScoremapSize(ignore, width, height));
}

/** COCO's ground truth: the foreground RLEs united, the ignore RLEs (crowd regions) ignored. */
export function rleGroundTruth(foreground: readonly Rle[], ignore: readonly Rle[]): Uint8Array {
  const at224 = (r: Rle) => toScoremapSize(decodeRle(r), r.width, r.height);
  return groundTruthMask(foreground.map(at224), ignore.length ? groundTruthMask(ignore.map(at224), null) : null);
}

async function labelPngGroundTruth(masks: Extract<GroundTruthMasks, { kind: 'labelPng' }>, item: DatasetItem): Promise<Uint8Array> {
  const png = await readPngIndices(masks.file);
  if (png.width !== item.width || png.height !== item.height)
    throw new CamscopeError(`${masks.file}: mask is ${png.width}×${png.height} but the image is ${item.width}×${item.height}`);
  return labelGroundTruth(png, masks.foreground);
}

/** 0 background, 1 foreground, 255 ignore at 224×224; null for an image without masks. */
export async function loadGroundTruthMask(item: DatasetItem): Promise<Uint8Array | null> {
  const masks = item.masks;
  if (!masks) return null;
  if (masks.kind === 'labelPng') return labelPngGroundTruth(masks, item);
  if (masks.kind === 'rle') return masks.foreground.length ? rleGroundTruth(masks.foreground, masks.ignore) : null;
  if (masks.instances.length === 0) return null;
  const instances = await Promise.all(masks.instances.map(readMask));
  return groundTruthMask(instances, masks.ignore ? await readMask(masks.ignore) : null);
}

/**
 * An image's ground truth from the masks a project stores for it (report.export), read as above, or the one-line warning
 * that leaves it out of PxAP: a mask file gone, refused (outside the recorded root) or no longer matching the image.
 */
export async function storedGroundTruthMask(
  item: DatasetItem,
  stored: StoredMasks | null,
): Promise<{ mask: Uint8Array | null } | { warning: string }> {
  if (!stored) return { mask: null };
  const leftOut = (problem: string) => ({ warning: `${item.path}: ${problem}; PxAP leaves the image out` });
  const masks = await resolveStoredMasks(stored);
  if ('problem' in masks) return leftOut(masks.problem);
  try {
    return { mask: await loadGroundTruthMask({ ...item, masks: masks.ok }) };
  } catch (e) {
    if (e instanceof CamscopeError) return leftOut(firstLine(e));
    throw e;
  }
}
