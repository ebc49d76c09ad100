// Small datasets written into temp folders by the tests: tiny images (sharp) and annotation files.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

export function tempDataset(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `camscope-ds-${prefix}-`));
}

export function writeText(file: string, content: string | Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

/** A width × height image; PNG unless the name ends in .jpg/.jpeg (JPEG with an EXIF orientation when given). */
export async function writeImage(file: string, width: number, height: number, orientation?: number): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  const img = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 80, b: 40 } } });
  if (/\.jpe?g$/i.test(file))
    await img
      .jpeg()
      .withMetadata(orientation ? { orientation } : {})
      .toFile(file);
  else await img.png().toFile(file);
}

/** wsolevaluation metadata under root/metadata/SYN/<split>/ (files given as text, written verbatim). */
export function writeWsolMetadata(
  root: string,
  files: Partial<Record<'image_ids' | 'class_labels' | 'image_sizes' | 'localization', string>>,
  split = 'test',
): string {
  const dir = join(root, 'metadata', 'SYN', split);
  for (const [name, text] of Object.entries(files)) writeText(join(dir, `${name}.txt`), text);
  return dir;
}

export function vocXml(filename: string, size: [number, number] | null, objects: [string, number, number, number, number][]): string {
  const objs = objects
    .map(
      ([name, x0, y0, x1, y1]) =>
        `  <object>\n    <name>${name}</name>\n    <difficult>0</difficult>\n    <bndbox><xmin>${x0}</xmin><ymin>${y0}</ymin><xmax>${x1}</xmax><ymax>${y1}</ymax></bndbox>\n  </object>`,
    )
    .join('\n');
  const sz = size ? `  <size><width>${size[0]}</width><height>${size[1]}</height><depth>3</depth></size>\n` : '';
  return `<?xml version="1.0"?>\n<annotation>\n  <folder>x</folder>\n  <filename>${filename}</filename>\n${sz}${objs}\n</annotation>\n`;
}
