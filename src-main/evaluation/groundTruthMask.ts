// An image's segmentation ground truth at the scoremap scale, as wsolevaluation's get_mask reads it: each
// mask file as grayscale, resized to 224×224 by nearest neighbour (cv2 INTER_NEAREST), > 0.5.
import sharp from 'sharp';
import { CamscopeError } from '../errors.js';
import type { DatasetItem } from '../datasets/datasetTypes.js';
import { WSOL_SIZE, groundTruthMask, resizeNearest } from './metrics/index.js';

async function readMask(file: string): Promise<Uint8Array> {
  try {
    const { data, info } = await sharp(file).greyscale().raw().toBuffer({ resolveWithObject: true });
    return resizeNearest(data, info.width, info.height, WSOL_SIZE, WSOL_SIZE);
  } catch (e) {
    throw new CamscopeError(`${file}: not a readable mask image (${(e as Error).message.split('\n')[0]})`);
  }
}

/** 0 background, 1 foreground, 255 ignore at 224×224; null for an image without masks. */
export async function loadGroundTruthMask(item: DatasetItem): Promise<Uint8Array | null> {
  if (!item.masks || item.masks.instances.length === 0) return null;
  const instances = await Promise.all(item.masks.instances.map(readMask));
  return groundTruthMask(instances, item.masks.ignore ? await readMask(item.masks.ignore) : null);
}
