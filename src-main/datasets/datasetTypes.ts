// The dataset contract shared by every format reader and by import, eval and camify.
import type { Box } from '../../src-shared/explainTypes.js';
import { DATASET_FORMATS } from '../../src-shared/ipc.js';
import type { Rle } from './cocoSegmentation.js';

export { DATASET_FORMATS };
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export interface DatasetItem {
  /** Stable id: the image's posix path relative to the root. */
  id: string;
  /** Absolute path, inside the root. */
  path: string;
  /** Dataset class index (0-based), null when the dataset gives none. */
  label: number | null;
  /** Ground-truth boxes in camscope's convention (x1/y1 exclusive), validated and clipped to the image. */
  boxes: Box[];
  /** Real size, EXIF orientation applied. */
  width: number;
  height: number;
  split?: string;
  /** Segmentation ground truth (PxAP), its files confined to the root and its size checked against the image. */
  masks?: GroundTruthMasks;
}

/** Which pixels of a VOC/COCO image are foreground: its class's (the label's), or every object's. */
export const MASK_FOREGROUNDS = ['class', 'objects'] as const;
export type MaskForeground = (typeof MASK_FOREGROUNDS)[number];

/**
 * An image's segmentation ground truth, read at evaluation (`evaluation/groundTruthMask.ts`):
 * - `maskFiles`: wsolevaluation's OpenImages30k layout, absolute paths of the instance masks (united as
 *   foreground) and of the ignore mask;
 * - `labelPng`: a label PNG of class or instance indices per pixel (Pascal VOC), foreground the pixels of
 *   `foreground` (a value, or every value 1–254 for `objects`), 255 (VOC's void) ignored;
 * - `rle`: COCO segmentations decoded to maskApi's RLE, `foreground` united, `ignore` (crowd regions) ignored.
 */
export type GroundTruthMasks =
  | { kind: 'maskFiles'; instances: string[]; ignore: string | null }
  | { kind: 'labelPng'; file: string; foreground: number | 'objects' }
  | { kind: 'rle'; foreground: Rle[]; ignore: Rle[] };

export interface Dataset {
  root: string;
  format: DatasetFormat;
  classNames: string[] | null;
  items: DatasetItem[];
  /** One line each, `file:line: problem`. */
  warnings: string[];
  /** sha256 over the items' ids, labels and boxes (sorted by id). */
  fingerprint: string;
}

export interface LoadOptions {
  format?: DatasetFormat;
  split?: string;
  /** Called while image sizes are read. */
  onProgress?: (done: number, total: number) => void;
  /** Checked per image while sizes are read: once aborted, loading stops with an "interrupted" error (exit 130). */
  signal?: AbortSignal;
  /** VOC/COCO masks: the label's class (default) or every object as foreground. */
  maskForeground?: MaskForeground;
}

/** A box as a format file states it, already converted to camscope's convention, before checks. */
export interface RawBox {
  box: Box;
  /** `file:line` (or `file: object k`) it came from, for warnings. */
  where: string;
}

/** One image as a format file lists it, before its path, size and boxes are checked. */
export interface RawEntry {
  /** The image path as the dataset writes it (unchecked), relative to `under`. */
  relPath: string;
  /** Folder (posix, relative to the root, trusted) the dataset's paths are relative to; default the root. */
  under?: string;
  where: string;
  label: number | null;
  boxes: RawBox[];
  split?: string;
  /** The size the annotation file states, checked against the real one. */
  statedSize?: { width: number; height: number; where: string };
  /** Segmentation ground truth as the reader found it: file paths relative to the root (unchecked), RLE sizes unchecked. */
  masks?: GroundTruthMasks & { where: string };
}

/** What a format reader returns: entries to check, and the problems it found while parsing. */
export interface ParsedDataset {
  classNames: string[] | null;
  entries: RawEntry[];
  warnings: string[];
}

export type FormatReader = (root: string, split: string | undefined, maskForeground: MaskForeground) => Promise<ParsedDataset>;
