// An item's masks as the project store keeps them (files relative to the dataset root recorded at import) and back:
// read again, each file is confined to that root as at import (no '..', no symlink out), so a project file cannot
// point PxAP at a file elsewhere.
import { relative, sep } from 'node:path';
import type { GroundTruthMasks } from './datasetTypes.js';
import { DatasetRoot, type Checked } from './rootPaths.js';

/** An image's masks as the project store keeps them: the dataset root recorded at import, the masks' files relative to it (posix). */
export interface StoredMasks {
  root: string;
  masks: GroundTruthMasks;
}

/** The masks' files through f, RLEs as they are. */
async function mapFiles(masks: GroundTruthMasks, f: (file: string) => Promise<string>): Promise<GroundTruthMasks> {
  if (masks.kind === 'rle') return masks;
  if (masks.kind === 'labelPng') return { ...masks, file: await f(masks.file) };
  return { kind: 'maskFiles', instances: await Promise.all(masks.instances.map(f)), ignore: masks.ignore === null ? null : await f(masks.ignore) };
}

/** What the store keeps of a loaded item's masks (absolute paths inside `root`): their files relative to it. */
export function toStoredMasks(root: string, masks: GroundTruthMasks): StoredMasks {
  const rel = (file: string) => relative(root, file).split(sep).join('/');
  if (masks.kind === 'rle') return { root, masks };
  if (masks.kind === 'labelPng') return { root, masks: { ...masks, file: rel(masks.file) } };
  return { root, masks: { kind: 'maskFiles', instances: masks.instances.map(rel), ignore: masks.ignore === null ? null : rel(masks.ignore) } };
}

/** The stored masks with absolute paths, or the problem (the first file missing or refused, named) that leaves them out. */
export async function resolveStoredMasks(stored: StoredMasks): Promise<Checked<GroundTruthMasks>> {
  let root: DatasetRoot;
  try {
    root = await DatasetRoot.open(stored.root);
  } catch (e) {
    return { problem: (e as Error).message };
  }
  class Refused extends Error {}
  try {
    return {
      ok: await mapFiles(stored.masks, async (rel) => {
        const id = root.checkId(rel);
        const file = 'problem' in id ? id : await root.resolveFile(id.ok);
        if ('problem' in file) throw new Refused(`${stored.root}: mask ${file.problem.replace(/^image file/, 'file')}`);
        return file.ok;
      }),
    };
  } catch (e) {
    if (e instanceof Refused) return { problem: e.message };
    throw e;
  }
}
