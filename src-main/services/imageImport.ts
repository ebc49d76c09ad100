// Turns the paths a user dropped (files or folders) into project image records: hashed, measured
// (EXIF orientation applied), never copied. Unreadable files are reported, not fatal.
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { IMAGE_EXTENSIONS, orientedSize } from '../image/imageInput.js';
import { firstLine } from '../errors.js';
import type { NewImage } from '../store/storeTypes.js';

async function expand(path: string, out: string[], skipped: { path: string; reason: string }[]): Promise<void> {
  let s;
  try {
    s = await stat(path);
  } catch {
    skipped.push({ path, reason: 'file not found' });
    return;
  }
  if (s.isDirectory()) {
    for (const name of (await readdir(path)).sort()) {
      const child = join(path, name);
      const cs = await stat(child).catch(() => null);
      if (cs?.isDirectory()) await expand(child, out, skipped);
      else if (cs && IMAGE_EXTENSIONS.has(extname(name).toLowerCase())) out.push(child);
    }
  } else out.push(path);
}

export async function readImageRecords(
  paths: string[],
  dataset: string | null,
): Promise<{ images: NewImage[]; skipped: { path: string; reason: string }[] }> {
  const files: string[] = [];
  const skipped: { path: string; reason: string }[] = [];
  for (const p of paths) await expand(resolve(p), files, skipped);
  const images: NewImage[] = [];
  for (const file of files) {
    try {
      const bytes = await readFile(file);
      const { width, height } = await orientedSize(bytes);
      images.push({ path: file, sha256: createHash('sha256').update(bytes).digest('hex'), width, height, dataset });
    } catch (e) {
      skipped.push({ path: file, reason: `not a readable image (${firstLine(e)})` });
    }
  }
  return { images, skipped };
}
