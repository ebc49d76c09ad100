// A reader's segmentation ground truth checked like its images: mask files confined to the root, label
// PNGs' and RLEs' sizes equal to the image's real size. A problem leaves the image's masks out (its boxes
// and label stay) with one warning naming the file.
import { open } from 'node:fs/promises';
import { firstLine } from '../errors.js';
import { pngHeader } from '../image/pngIndices.js';
import type { GroundTruthMasks, RawEntry } from './datasetTypes.js';
import type { Checked, DatasetRoot } from './rootPaths.js';

/** The IHDR's end: signature (8) + length, type, 13 bytes of IHDR. */
const PNG_HEADER_BYTES = 33;

async function resolve(root: DatasetRoot, rel: string): Promise<Checked<string>> {
  const id = root.checkId(rel);
  return 'problem' in id ? id : root.resolveFile(id.ok);
}

async function pngSize(file: string): Promise<Checked<{ width: number; height: number }>> {
  const handle = await open(file, 'r');
  try {
    const buf = new Uint8Array(PNG_HEADER_BYTES);
    const { bytesRead } = await handle.read(buf, 0, PNG_HEADER_BYTES, 0);
    return { ok: pngHeader(buf.subarray(0, bytesRead)) };
  } catch (e) {
    return { problem: `not a label PNG (${firstLine(e)})` };
  } finally {
    await handle.close();
  }
}

const sizeProblem = (what: string, w: number, h: number, size: { width: number; height: number }) =>
  w === size.width && h === size.height ? null : `${what} is ${w}×${h} but the image is ${size.width}×${size.height}`;

/** The item's masks, or the warning that leaves them out. */
export async function checkMasks(
  root: DatasetRoot,
  id: string,
  masks: NonNullable<RawEntry['masks']>,
  size: { width: number; height: number },
): Promise<{ ok: GroundTruthMasks } | { warning: string }> {
  const leftOut = (problem: string) => ({ warning: `${masks.where}: mask of '${id}': ${problem}; its masks are left out` });
  if (masks.kind === 'maskFiles') {
    // OpenImages masks are resized to the scoremap whatever their size, as wsolevaluation does.
    const instances = await Promise.all(masks.instances.map((f) => resolve(root, f)));
    const ignore = masks.ignore === null ? null : await resolve(root, masks.ignore);
    const bad = [...instances, ...(ignore ? [ignore] : [])].find((r) => 'problem' in r);
    if (bad && 'problem' in bad) return leftOut(bad.problem);
    return {
      ok: { kind: 'maskFiles', instances: instances.map((r) => (r as { ok: string }).ok), ignore: ignore && 'ok' in ignore ? ignore.ok : null },
    };
  }
  if (masks.kind === 'labelPng') {
    const file = await resolve(root, masks.file);
    if ('problem' in file) return leftOut(file.problem);
    const png = await pngSize(file.ok);
    if ('problem' in png) return leftOut(`${masks.file}: ${png.problem}`);
    const mismatch = sizeProblem(masks.file, png.ok.width, png.ok.height, size);
    if (mismatch) return leftOut(mismatch);
    return { ok: { kind: 'labelPng', file: file.ok, foreground: masks.foreground } };
  }
  for (const r of [...masks.foreground, ...masks.ignore]) {
    const mismatch = sizeProblem('its segmentation', r.width, r.height, size);
    if (mismatch) return leftOut(mismatch);
  }
  return { ok: { kind: 'rle', foreground: masks.foreground, ignore: masks.ignore } };
}
