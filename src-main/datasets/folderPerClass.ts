// Folder per class (torchvision ImageFolder): each sub-folder of the root is a class, indices in
// sorted folder-name order; images anywhere below it. Hidden entries (".name") are ignored, symlinked
// folders are not followed. No boxes.
import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { IMAGE_EXTENSIONS } from '../image/imageInput.js';
import { CamscopeError } from '../errors.js';
import type { ParsedDataset, RawEntry } from './datasetTypes.js';

export function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

async function listImages(root: string, rel: string, label: number, entries: RawEntry[], warnings: string[]): Promise<void> {
  const dirents = await readdir(join(root, rel), { withFileTypes: true }).catch(() => null);
  if (!dirents) return void warnings.push(`${rel}: folder cannot be read, skipped`);
  for (const d of dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (d.name.startsWith('.')) continue;
    const relPath = `${rel}/${d.name}`;
    if (d.isDirectory()) await listImages(root, relPath, label, entries, warnings);
    else if (d.isSymbolicLink() && !isImageName(d.name)) warnings.push(`${relPath}: symlinked folder not followed`);
    else if (isImageName(d.name)) entries.push({ relPath, where: relPath, label, boxes: [] });
  }
}

/** With a split, the classes are the sub-folders of DIR/<split> (torchvision's root/train/<class>/ layout). */
export async function readFolderPerClass(root: string, split: string | undefined): Promise<ParsedDataset> {
  const base = split === undefined ? '' : `${split}/`;
  const dirents = await readdir(join(root, base), { withFileTypes: true }).catch(() => {
    throw new CamscopeError(`${join(root, split ?? '')}: ${split === undefined ? 'dataset' : 'split'} folder not found`);
  });
  const classNames = dirents
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
  const warnings = dirents
    .filter((d) => !d.isDirectory() && isImageName(d.name))
    .map((d) => `${base}${d.name}: image outside any class folder, skipped`);
  const entries: RawEntry[] = [];
  for (const [label, name] of classNames.entries()) await listImages(root, base + name, label, entries, warnings);
  return { classNames, entries, warnings };
}
