// Per-image Pascal VOC-style annotation XML (VOC Annotations/, ILSVRC val/*.xml): filename, stated
// size and objects with their bndbox numbers as written (each format converts them to camscope's box).
import { firstLine } from '../errors.js';
import { parseNumber, readUtf8 } from './textFiles.js';
import { child, childText, parseXml } from './xmlTree.js';

export interface VocObject {
  name: string;
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
  where: string;
}

export interface VocAnnotation {
  filename: string | undefined;
  size: { width: number; height: number } | undefined;
  objects: VocObject[];
}

/** Reads one annotation file; a malformed file or object is a warning (null: skip the image), non-UTF-8 an error. */
export async function readVocXml(file: string, name: string, warnings: string[]): Promise<VocAnnotation | null> {
  const text = await readUtf8(file);
  let root;
  try {
    root = parseXml(text);
  } catch (e) {
    warnings.push(`${name}: malformed XML (${firstLine(e)}), skipped`);
    return null;
  }
  if (root.name !== 'annotation') {
    warnings.push(`${name}: root element is <${root.name}>, expected <annotation>, skipped`);
    return null;
  }
  const sizeEl = child(root, 'size');
  const width = sizeEl && parseNumber(childText(sizeEl, 'width'));
  const height = sizeEl && parseNumber(childText(sizeEl, 'height'));
  const objects: VocObject[] = [];
  for (const obj of root.children.filter((c) => c.name === 'object')) {
    const where = `${name}:${obj.line}`;
    const box = child(obj, 'bndbox');
    const objName = childText(obj, 'name');
    const [xmin, ymin, xmax, ymax] = ['xmin', 'ymin', 'xmax', 'ymax'].map((k) => (box ? parseNumber(childText(box, k)) : null));
    if (!objName || xmin == null || ymin == null || xmax == null || ymax == null) {
      warnings.push(`${where}: <object> without a name and numeric bndbox xmin/ymin/xmax/ymax, ignored`);
      continue;
    }
    objects.push({ name: objName, xmin, ymin, xmax, ymax, where });
  }
  return { filename: childText(root, 'filename') || undefined, size: width && height ? { width, height } : undefined, objects };
}
