// CUB-200-2011 (Wah et al. 2011): images.txt "<id> <path under images/>", image_class_labels.txt
// "<id> <class>" (1-based, made 0-based), classes.txt "<class> <name>", bounding_boxes.txt
// "<id> <x> <y> <w> <h>" (floats, top-left corner and size: the box is [x, y, x + w, y + h]),
// train_test_split.txt "<id> <1 = train | 0 = test>". Split: test (default), train or all.
import { join } from 'node:path';
import { CamscopeError } from '../errors.js';
import type { ParsedDataset, RawBox, RawEntry } from './datasetTypes.js';
import { exists } from './rootPaths.js';
import { type TextLine, parseIndex, parseNumber, readLines } from './textFiles.js';

const SPLITS = ['test', 'train', 'all'];

/** "<id> <rest>" rows; the rest keeps inner spaces (CUB paths have none, but other exports may). */
function idRows(lines: TextLine[], what: string, warnings: string[]): { id: string; rest: string; where: string }[] {
  const rows = [];
  for (const l of lines) {
    const m = /^\s*(\S+)\s+(.*\S)/.exec(l.text);
    if (m) rows.push({ id: m[1]!, rest: m[2]!, where: l.where });
    else warnings.push(`${l.where}: expected "<image id> ${what}", got '${l.text}', ignored`);
  }
  return rows;
}

export async function readCub(root: string, split: string | undefined): Promise<ParsedDataset> {
  const wanted = split ?? 'test';
  if (!SPLITS.includes(wanted)) throw new CamscopeError(`${root}: CUB split must be test, train or all, got '${wanted}'`);
  const warnings: string[] = [];
  const file = (name: string) => join(root, name);
  const optional = async (name: string) => ((await exists(file(name))) ? readLines(root, file(name)) : null);

  const classLines = await optional('classes.txt');
  const classNames = classLines ? idRows(classLines, '<name>', warnings).map((r) => r.rest) : null;
  const labels = new Map<string, number>();
  for (const r of idRows(await readLines(root, file('image_class_labels.txt')), '<class>', warnings)) {
    const k = parseIndex(r.rest);
    if (k === null || k < 1 || (classNames && k > classNames.length)) {
      warnings.push(`${r.where}: unknown class '${r.rest}'${classNames ? ` (classes.txt has 1..${classNames.length})` : ''}`);
    } else labels.set(r.id, k - 1);
  }
  const boxes = new Map<string, RawBox[]>();
  for (const r of idRows((await optional('bounding_boxes.txt')) ?? [], '<x> <y> <w> <h>', warnings)) {
    const v = r.rest.split(/\s+/).map(parseNumber);
    if (v.length !== 4 || v.some((x) => x === null)) {
      warnings.push(`${r.where}: expected "<image id> <x> <y> <w> <h>", got '${r.id} ${r.rest}', ignored`);
      continue;
    }
    const [x, y, w, h] = v as number[];
    boxes.set(r.id, [...(boxes.get(r.id) ?? []), { box: [x!, y!, x! + w!, y! + h!], where: r.where }]);
  }
  const isTrain = new Map<string, boolean>();
  if (wanted !== 'all') {
    for (const r of idRows(await readLines(root, file('train_test_split.txt')), '<1|0>', warnings)) {
      if (r.rest === '1' || r.rest === '0') isTrain.set(r.id, r.rest === '1');
      else warnings.push(`${r.where}: expected 1 (train) or 0 (test), got '${r.rest}', ignored`);
    }
  }

  const entries: RawEntry[] = [];
  for (const r of idRows(await readLines(root, file('images.txt')), '<path>', warnings)) {
    const train = isTrain.get(r.id);
    if (wanted !== 'all' && train === undefined) {
      warnings.push(`${r.where}: image ${r.id} is not in train_test_split.txt, skipped`);
      continue;
    }
    if (wanted !== 'all' && train !== (wanted === 'train')) continue;
    const label = labels.get(r.id);
    if (label === undefined) {
      warnings.push(`${r.where}: image ${r.id} has no known class in image_class_labels.txt, skipped`);
      continue;
    }
    const entry: RawEntry = { relPath: r.rest, under: 'images', where: r.where, label, boxes: boxes.get(r.id) ?? [] };
    if (train !== undefined) entry.split = train ? 'train' : 'test';
    entries.push(entry);
  }
  return { classNames, entries, warnings };
}
