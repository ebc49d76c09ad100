// ImageNet (ILSVRC 2012) validation: LOC_synset_mapping.txt ("<wnid> <names>", line order = class
// index, as torchvision and the ILSVRC devkit number them) with either LOC_val_solution.csv
// ("ImageId,<wnid> x0 y0 x1 y1 <wnid> …") or per-image XML (val/*.xml). ILSVRC box corners are
// inclusive 0-based pixel indices (the convention wsolevaluation keeps for its ILSVRC metadata), so
// camscope's box is [x0, y0, x1 + 1, y1 + 1]. The label is the first box's synset.
import { readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { CamscopeError } from '../errors.js';
import type { ParsedDataset, RawBox, RawEntry } from './datasetTypes.js';
import { exists, firstExistingDir } from './rootPaths.js';
import { displayName, parseNumber, readLines } from './textFiles.js';
import { readVocXml } from './vocXml.js';

/** Image folders tried in order: the plain layout, then Kaggle's ILSVRC/ tree, then the root. */
const IMAGE_DIRS = ['val', 'ILSVRC/Data/CLS-LOC/val', '.'];
const XML_DIRS = ['val', 'ILSVRC/Annotations/CLS-LOC/val'];

async function readSynsets(root: string): Promise<{ index: Map<string, number>; names: string[] }> {
  const index = new Map<string, number>();
  const names: string[] = [];
  for (const line of await readLines(root, join(root, 'LOC_synset_mapping.txt'))) {
    const [wnid, ...rest] = line.text.trim().split(/\s+/);
    index.set(wnid!, names.length);
    names.push(rest.join(' ') || wnid!);
  }
  return { index, names };
}

function toBox(x0: number, y0: number, x1: number, y1: number, where: string): RawBox {
  return { box: [x0, y0, x1 + 1, y1 + 1], where };
}

async function fromSolutionCsv(root: string, synsets: Map<string, number>, warnings: string[]): Promise<RawEntry[]> {
  const under = await firstExistingDir(root, IMAGE_DIRS);
  const entries: RawEntry[] = [];
  for (const line of await readLines(root, join(root, 'LOC_val_solution.csv'))) {
    if (/^ImageId\s*,/.test(line.text)) continue;
    const comma = line.text.indexOf(',');
    const tokens =
      comma < 0
        ? []
        : line.text
            .slice(comma + 1)
            .trim()
            .split(/\s+/);
    const numbers = tokens.map((t, i) => (i % 5 === 0 ? 0 : parseNumber(t)));
    if (tokens.length === 0 || tokens.length % 5 !== 0 || numbers.some((v) => v === null)) {
      warnings.push(`${line.where}: expected "ImageId,<wnid> x0 y0 x1 y1 …", got '${line.text}', skipped`);
      continue;
    }
    const label = synsets.get(tokens[0]!);
    if (label === undefined) {
      warnings.push(`${line.where}: unknown synset '${tokens[0]}' (not in LOC_synset_mapping.txt), skipped`);
      continue;
    }
    const boxes: RawBox[] = [];
    for (let i = 0; i < tokens.length; i += 5) {
      const [x0, y0, x1, y1] = numbers.slice(i + 1, i + 5) as number[];
      boxes.push(toBox(x0!, y0!, x1!, y1!, line.where));
    }
    entries.push({ relPath: `${line.text.slice(0, comma).trim()}.JPEG`, under, where: line.where, label, boxes, split: 'val' });
  }
  return entries;
}

async function fromXml(root: string, synsets: Map<string, number>, warnings: string[]): Promise<RawEntry[]> {
  const xmlDir = await firstExistingDir(root, XML_DIRS);
  const under = xmlDir === 'val' ? 'val' : await firstExistingDir(root, IMAGE_DIRS);
  const files = (await readdir(join(root, xmlDir))).filter((f) => f.toLowerCase().endsWith('.xml')).sort();
  if (files.length === 0)
    throw new CamscopeError(`${root}: ImageNet dataset without LOC_val_solution.csv nor XML annotations in ${XML_DIRS.join(' or ')}`);
  const entries: RawEntry[] = [];
  for (const f of files) {
    const file = join(root, xmlDir, f);
    const name = displayName(root, file);
    const ann = await readVocXml(file, name, warnings);
    if (!ann) continue;
    const known = ann.objects.filter((o) => synsets.has(o.name));
    for (const o of ann.objects)
      if (!synsets.has(o.name)) warnings.push(`${o.where}: unknown synset '${o.name}' (not in LOC_synset_mapping.txt), ignored`);
    if (known.length === 0) {
      warnings.push(`${name}: no object of a known synset, skipped`);
      continue;
    }
    const stem = ann.filename ?? basename(f, extname(f));
    const entry: RawEntry = {
      relPath: extname(stem) ? stem : `${stem}.JPEG`,
      under,
      where: name,
      label: synsets.get(known[0]!.name)!,
      boxes: known.map((o) => toBox(o.xmin, o.ymin, o.xmax, o.ymax, o.where)),
      split: 'val',
    };
    if (ann.size) entry.statedSize = { ...ann.size, where: name };
    entries.push(entry);
  }
  return entries;
}

export async function readImagenetVal(root: string): Promise<ParsedDataset> {
  const { index, names } = await readSynsets(root);
  const warnings: string[] = [];
  const csv = await exists(join(root, 'LOC_val_solution.csv'));
  const entries = csv ? await fromSolutionCsv(root, index, warnings) : await fromXml(root, index, warnings);
  return { classNames: names, entries, warnings };
}
