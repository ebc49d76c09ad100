// Turns the entries a format reader listed into checked dataset items: paths confined to the root,
// duplicates skipped, real sizes read (EXIF orientation applied, bounded concurrency), boxes dropped
// when inverted or empty and clipped to the image, each problem one warning.
import { createHash } from 'node:crypto';
import { orientedSize } from '../image/imageInput.js';
import { CamscopeError, firstLine } from '../errors.js';
import type { Box } from '../../src-shared/explainTypes.js';
import type { Dataset, DatasetFormat, DatasetItem, LoadOptions, ParsedDataset, RawBox, RawEntry } from './datasetTypes.js';
import { checkMasks } from './checkMasks.js';
import type { DatasetRoot } from './rootPaths.js';

/** Images measured at once; sharp reads headers only, so this bounds open files more than CPU. */
const SIZE_CONCURRENCY = 8;

export function formatBox(b: Box): string {
  return `[${b.map((v) => +v.toFixed(3)).join(', ')}]`;
}

/** Boxes fit for a width × height image: inverted/empty ones and ones wholly outside dropped, others clipped. */
export function checkBoxes(raw: readonly RawBox[], width: number, height: number, warnings: string[]): Box[] {
  const boxes: Box[] = [];
  for (const { box, where } of raw) {
    const [x0, y0, x1, y1] = box;
    if (!(x1 > x0 && y1 > y0)) {
      warnings.push(`${where}: inverted or empty box ${formatBox(box)} dropped`);
      continue;
    }
    const clipped: Box = [Math.max(0, x0), Math.max(0, y0), Math.min(width, x1), Math.min(height, y1)];
    if (!(clipped[2] > clipped[0] && clipped[3] > clipped[1])) {
      warnings.push(`${where}: box ${formatBox(box)} lies outside the ${width}×${height} image, dropped`);
      continue;
    }
    if (clipped.some((v, i) => v !== box[i])) {
      warnings.push(`${where}: box ${formatBox(box)} exceeds the ${width}×${height} image, clipped to ${formatBox(clipped)}`);
    }
    boxes.push(clipped);
  }
  return boxes;
}

/** Runs `work` on every element with at most `limit` in flight; results keep the input order. */
async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
  onDone: (done: number) => void,
  signal?: AbortSignal,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  const interrupted = () => new CamscopeError(`interrupted while reading image sizes (${done} of ${items.length}); nothing was written`, 130);
  const lane = async () => {
    while (next < items.length) {
      if (signal?.aborted) throw interrupted();
      const i = next++;
      results[i] = await work(items[i]!);
      onDone(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (signal?.aborted) throw interrupted();
  return results;
}

export function fingerprint(items: readonly DatasetItem[]): string {
  const rows = items.map((it) => [it.id, it.label, it.boxes]).sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
}

export async function finishDataset(root: DatasetRoot, format: DatasetFormat, parsed: ParsedDataset, opts: LoadOptions): Promise<Dataset> {
  const warnings = [...parsed.warnings];
  const firstSeen = new Map<string, string>();
  const accepted: { entry: RawEntry; id: string }[] = [];
  for (const entry of parsed.entries) {
    const checked = root.checkId(entry.relPath);
    if ('problem' in checked) {
      warnings.push(`${entry.where}: ${checked.problem}, skipped`);
      continue;
    }
    const id = entry.under ? root.checkId(`${entry.under}/${checked.ok}`) : checked;
    if ('problem' in id) throw new Error(`reader folder '${entry.under}' is not a relative path`);
    const first = firstSeen.get(id.ok);
    if (first !== undefined) {
      warnings.push(`${entry.where}: duplicate image '${id.ok}' (first listed at ${first}), skipped`);
      continue;
    }
    firstSeen.set(id.ok, entry.where);
    accepted.push({ entry, id: id.ok });
  }

  const checked = await mapBounded(
    accepted,
    SIZE_CONCURRENCY,
    async ({ entry, id }): Promise<{ item: DatasetItem | null; warnings: string[] }> => {
      const found = await root.resolveFile(id);
      if ('problem' in found) return { item: null, warnings: [`${entry.where}: ${found.problem}, skipped`] };
      let size;
      try {
        size = await orientedSize(found.ok);
      } catch (e) {
        return { item: null, warnings: [`${entry.where}: '${id}' is not a readable image (${firstLine(e)}), skipped`] };
      }
      const boxWarnings: string[] = [];
      const stated = entry.statedSize;
      if (stated && (stated.width !== size.width || stated.height !== size.height)) {
        boxWarnings.push(
          `${stated.where}: '${id}' is stated as ${stated.width}×${stated.height} but is ${size.width}×${size.height}; boxes checked against the real size`,
        );
      }
      const boxes = checkBoxes(entry.boxes, size.width, size.height, boxWarnings);
      const item: DatasetItem = { id, path: found.ok, label: entry.label, boxes, ...size };
      if (entry.split !== undefined) item.split = entry.split;
      if (entry.masks) {
        const masks = await checkMasks(root, id, entry.masks, size);
        if ('ok' in masks) item.masks = masks.ok;
        else boxWarnings.push(masks.warning);
      }
      return { item, warnings: boxWarnings };
    },
    (done) => opts.onProgress?.(done, accepted.length),
    opts.signal,
  );
  const items: DatasetItem[] = [];
  for (const c of checked) {
    warnings.push(...c.warnings);
    if (c.item) items.push(c.item);
  }
  if (items.length === 0) {
    const why = warnings.length ? ` (${warnings.length} warnings, first: ${warnings[0]})` : '';
    throw new CamscopeError(`${root.dir}: no usable images in this ${format} dataset${why}`);
  }
  return { root: root.dir, format, classNames: parsed.classNames, items, warnings, fingerprint: fingerprint(items) };
}
