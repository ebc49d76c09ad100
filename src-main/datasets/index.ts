// Dataset importers: one reader per format lists images, labels and boxes; `finishDataset` confines
// paths to the root, reads real sizes and validates boxes. Everything users can get wrong in a
// dataset is a warning (the item or box skipped), except a dataset with no usable image.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CamscopeError } from '../errors.js';
import { findCocoAnnotations, readCoco } from './coco.js';
import { readCub } from './cub.js';
import { finishDataset } from './datasetItems.js';
import {
  DATASET_FORMATS,
  MASK_FOREGROUNDS,
  type Dataset,
  type DatasetFormat,
  type FormatReader,
  type LoadOptions,
  type MaskForeground,
} from './datasetTypes.js';
import { isImageName, readFolderPerClass } from './folderPerClass.js';
import { readImagenetVal } from './imagenetVal.js';
import { DatasetRoot, exists } from './rootPaths.js';
import { readVoc } from './voc.js';
import { hasWsolMetadata, readWsolMetadata } from './wsolMetadata.js';

export type { Dataset, DatasetFormat, DatasetItem, LoadOptions } from './datasetTypes.js';
export { DATASET_FORMATS } from './datasetTypes.js';

const READERS: Record<DatasetFormat, FormatReader> = {
  folders: readFolderPerClass,
  imagenet: readImagenetVal,
  cub: readCub,
  wsolevaluation: readWsolMetadata,
  coco: readCoco,
  voc: readVoc,
};

export function parseDatasetFormat(s: string): DatasetFormat {
  if ((DATASET_FORMATS as readonly string[]).includes(s)) return s as DatasetFormat;
  throw new CamscopeError(`unknown dataset format '${s}' (${DATASET_FORMATS.join(', ')})`);
}

/** --mask-foreground: the label's class (default) or every object. */
export function parseMaskForeground(s: string | undefined): MaskForeground {
  if (s === undefined) return 'class';
  if ((MASK_FOREGROUNDS as readonly string[]).includes(s)) return s as MaskForeground;
  throw new CamscopeError(`--mask-foreground: expected ${MASK_FOREGROUNDS.join(' or ')}, got '${s}'`);
}

/** A class folder: a visible sub-folder with an image directly inside or one level down. */
async function hasClassFolder(root: string): Promise<boolean> {
  for (const d of await readdir(root, { withFileTypes: true }).catch(() => [])) {
    if (!d.isDirectory() || d.name.startsWith('.')) continue;
    for (const e of await readdir(join(root, d.name), { withFileTypes: true }).catch(() => [])) {
      if (!e.isDirectory() && isImageName(e.name)) return true;
      if (e.isDirectory() && (await readdir(join(root, d.name, e.name)).catch(() => [])).some(isImageName)) return true;
    }
  }
  return false;
}

/** Recognizes a dataset folder's format from its marker files (with a split, class folders are looked for in DIR/<split>). */
export async function detectFormat(dir: string, split?: string): Promise<DatasetFormat> {
  const root = (await DatasetRoot.open(dir)).dir;
  const has = (...names: string[]) => Promise.all(names.map((n) => exists(join(root, n)))).then((r) => r.every(Boolean));
  if (await hasWsolMetadata(root)) return 'wsolevaluation';
  if (await has('images.txt', 'image_class_labels.txt')) return 'cub';
  if ((await has('LOC_val_solution.csv')) || (await has('LOC_synset_mapping.txt'))) return 'imagenet';
  if ((await findCocoAnnotations(root)).length > 0) return 'coco';
  if (await has('Annotations', 'JPEGImages')) return 'voc';
  if (await hasClassFolder(split === undefined ? root : join(root, split))) return 'folders';
  throw new CamscopeError(
    `${root}: unknown dataset layout (looked for image_ids.txt or metadata/[<dataset>/]<split>/image_ids.txt: wsolevaluation; ` +
      'images.txt + image_class_labels.txt: cub; LOC_val_solution.csv or LOC_synset_mapping.txt: imagenet; ' +
      'annotations/instances_*.json: coco; Annotations/ + JPEGImages/: voc; class sub-folders of images: folders)',
  );
}

/** Loads a dataset folder (format detected unless given); throws only when nothing usable is left. */
export async function loadDataset(dir: string, opts: LoadOptions = {}): Promise<Dataset> {
  const root = await DatasetRoot.open(dir);
  const format = opts.format ?? (await detectFormat(root.dir, opts.split));
  const parsed = await READERS[format](root.dir, opts.split, opts.maskForeground ?? 'class');
  return finishDataset(root, format, parsed, opts);
}
