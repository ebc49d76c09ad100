// clovaai/wsolevaluation metadata (Choe et al. 2020, "Evaluating Weakly Supervised Object Localization
// Methods Right"): image_ids.txt, class_labels.txt ("id,label"), optional image_sizes.txt ("id,w,h")
// and localization.txt ("id,x0,y0,x1,y1", one line per box). Their IoU adds +1 to widths, so
// x1/y1 are INCLUSIVE pixel indices: camscope's box is [x0, y0, x1 + 1, y1 + 1].
// Metadata lives in DIR itself or in DIR/metadata[/<dataset>]/<split>/; image ids are relative to DIR.
// An optional classes.txt there (one name per line, camscope synth writes it) names the classes.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CamscopeError } from '../errors.js';
import type { ParsedDataset, RawBox, RawEntry } from './datasetTypes.js';
import { exists } from './rootPaths.js';
import { displayName, parseIndex, parseNumber, readLines } from './textFiles.js';

export const WSOL_DEFAULT_SPLIT = 'test';

/** The folder holding image_ids.txt: DIR, else DIR/metadata/<split>/ or DIR/metadata/<dataset>/<split>/. */
export async function findWsolMetadata(root: string, split: string | undefined): Promise<string | null> {
  if (split === undefined && (await exists(join(root, 'image_ids.txt')))) return root;
  const s = split ?? WSOL_DEFAULT_SPLIT;
  const meta = join(root, 'metadata');
  const datasets = await readdir(meta, { withFileTypes: true }).catch(() => []);
  const candidates = [join(meta, s), ...datasets.filter((d) => d.isDirectory()).map((d) => join(meta, d.name, s))];
  const found: string[] = [];
  for (const c of candidates) if (await exists(join(c, 'image_ids.txt'))) found.push(c);
  if (found.length > 1) {
    throw new CamscopeError(
      `${root}: several wsolevaluation metadata folders for split '${s}' (${found.map((f) => displayName(root, f)).join(', ')}); point DIR at one dataset`,
    );
  }
  return found[0] ?? null;
}

/** Whether DIR holds wsolevaluation metadata for any split (detection, before a split is chosen). */
export async function hasWsolMetadata(root: string): Promise<boolean> {
  if (await exists(join(root, 'image_ids.txt'))) return true;
  const meta = join(root, 'metadata');
  for (const a of await readdir(meta, { withFileTypes: true }).catch(() => [])) {
    if (!a.isDirectory()) continue;
    if (await exists(join(meta, a.name, 'image_ids.txt'))) return true;
    for (const b of await readdir(join(meta, a.name), { withFileTypes: true }).catch(() => [])) {
      if (b.isDirectory() && (await exists(join(meta, a.name, b.name, 'image_ids.txt')))) return true;
    }
  }
  return false;
}

/** Splits "id,a,b,…" into the id (which may itself hold commas) and its `count` trailing fields. */
function splitRow(text: string, count: number): { id: string; fields: string[] } | null {
  const parts = text.split(',');
  if (parts.length < count + 1) return null;
  return { id: parts.slice(0, parts.length - count).join(','), fields: parts.slice(parts.length - count).map((f) => f.trim()) };
}

export async function readWsolMetadata(root: string, split: string | undefined): Promise<ParsedDataset> {
  const dir = await findWsolMetadata(root, split);
  if (!dir)
    throw new CamscopeError(`${root}: no wsolevaluation image_ids.txt (looked in DIR and metadata/[<dataset>/]${split ?? WSOL_DEFAULT_SPLIT}/)`);
  const splitName = dir === root ? undefined : (split ?? WSOL_DEFAULT_SPLIT);
  const warnings: string[] = [];
  const classNames = (await exists(join(dir, 'classes.txt'))) ? (await readLines(root, join(dir, 'classes.txt'))).map((l) => l.text.trim()) : null;
  const labels = new Map<string, number>();
  for (const line of await readLines(root, join(dir, 'class_labels.txt'))) {
    const row = splitRow(line.text, 1);
    const label = parseIndex(row?.fields[0]);
    if (!row || label === null) warnings.push(`${line.where}: expected "id,label" with a class index ≥ 0, got '${line.text}', ignored`);
    else if (classNames && label >= classNames.length)
      warnings.push(`${line.where}: unknown class ${label} (classes.txt has ${classNames.length}), ignored`);
    else labels.set(row.id, label);
  }
  const sizes = new Map<string, { width: number; height: number; where: string }>();
  if (await exists(join(dir, 'image_sizes.txt'))) {
    for (const line of await readLines(root, join(dir, 'image_sizes.txt'))) {
      const row = splitRow(line.text, 2);
      const [w, h] = (row?.fields ?? []).map(parseIndex);
      if (!row || !w || !h) warnings.push(`${line.where}: expected "id,width,height", got '${line.text}', ignored`);
      else sizes.set(row.id, { width: w, height: h, where: line.where });
    }
  }
  const ids = await readLines(root, join(dir, 'image_ids.txt'));
  const listed = new Set(ids.map((l) => l.text));
  const boxes = new Map<string, RawBox[]>();
  const masks = new Map<string, Extract<RawEntry['masks'], { kind: 'maskFiles' }>>();
  if (await exists(join(dir, 'localization.txt'))) {
    for (const line of await readLines(root, join(dir, 'localization.txt'))) {
      const maskRow = splitRow(line.text, 2);
      if (maskRow && parseNumber(maskRow.fields[0]) === null && maskRow.fields[0]!.length > 0) {
        // OpenImages30k: "id,mask_path,ignore_path" (one line per instance mask, the ignore mask on the first).
        if (!listed.has(maskRow.id)) warnings.push(`${line.where}: mask for '${maskRow.id}', which image_ids.txt does not list, ignored`);
        else {
          const m = masks.get(maskRow.id) ?? { kind: 'maskFiles', instances: [], ignore: null, where: line.where };
          m.instances.push(maskRow.fields[0]!);
          if (maskRow.fields[1]) m.ignore ??= maskRow.fields[1];
          masks.set(maskRow.id, m);
        }
        continue;
      }
      const row = splitRow(line.text, 4);
      const v = (row?.fields ?? []).map(parseNumber);
      if (!row || v.length !== 4 || v.some((x) => x === null)) {
        warnings.push(`${line.where}: expected "id,x0,y0,x1,y1" or "id,mask_path,ignore_path", got '${line.text}', ignored`);
      } else if (!listed.has(row.id)) {
        warnings.push(`${line.where}: box for '${row.id}', which image_ids.txt does not list, ignored`);
      } else {
        const [x0, y0, x1, y1] = v as number[];
        const list = boxes.get(row.id) ?? [];
        list.push({ box: [x0!, y0!, x1! + 1, y1! + 1], where: line.where });
        boxes.set(row.id, list);
      }
    }
  }
  const entries: RawEntry[] = [];
  for (const line of ids) {
    const label = labels.get(line.text);
    if (label === undefined) {
      warnings.push(`${line.where}: '${line.text}' has no class label in class_labels.txt, skipped`);
      continue;
    }
    const entry: RawEntry = { relPath: line.text, where: line.where, label, boxes: boxes.get(line.text) ?? [] };
    const size = sizes.get(line.text);
    if (size) entry.statedSize = size;
    const m = masks.get(line.text);
    if (m) entry.masks = m;
    if (splitName !== undefined) entry.split = splitName;
    entries.push(entry);
  }
  return { classNames, entries, warnings };
}
