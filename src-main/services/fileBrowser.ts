// The 'files.list' channel: a directory listing for the renderer's path picker, which a plain browser cannot have (a
// dropped or chosen File never reveals its path). Confined to the user's home; shows folders and what camscope opens.
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, extname, join, sep } from 'node:path';
import { CamscopeError } from '../errors.js';
import { IMAGE_EXTENSIONS } from '../image/imageInput.js';
import type { Response } from '../../src-shared/ipc.js';

type Entry = Response<'files.list'>['entries'][number];

/** A listing is for picking by eye; a folder with more entries shows the first ones (the path field takes any path). */
const MAX_ENTRIES = 2000;

function kindOf(name: string, isDir: boolean): Entry['kind'] | null {
  if (isDir) return 'folder';
  const ext = extname(name).toLowerCase();
  if (ext === '.camscope') return 'project';
  if (ext === '.onnx') return 'model';
  return IMAGE_EXTENSIONS.has(ext) ? 'image' : null;
}

/** Lists dir (default: root); symbolic links are followed only where they stay inside root. Hidden entries are left out. */
export function listDirectory(dir: string | undefined, root = homedir()): Response<'files.list'> {
  const top = realpathSync(root);
  let real: string;
  try {
    real = realpathSync(dir ?? top);
  } catch {
    throw new CamscopeError(`${dir}: no such folder`);
  }
  const inside = (p: string) => p === top || p.startsWith(top.endsWith(sep) ? top : top + sep);
  if (!inside(real)) throw new CamscopeError(`${dir}: outside ${top}, the only place the picker lists (type the path instead)`);
  let dirents;
  try {
    dirents = readdirSync(real, { withFileTypes: true });
  } catch {
    throw new CamscopeError(`${real}: not a readable folder`);
  }
  const entries: Entry[] = [];
  for (const d of dirents) {
    if (d.name.startsWith('.')) continue;
    const path = join(real, d.name);
    let isDir = d.isDirectory();
    if (d.isSymbolicLink()) {
      let target: string;
      try {
        target = realpathSync(path);
      } catch {
        continue; // dangling
      }
      if (!inside(target)) continue;
      isDir = statSync(target).isDirectory();
    }
    const kind = kindOf(d.name, isDir);
    if (kind) entries.push({ name: d.name, path, kind });
  }
  entries.sort((a, b) => Number(b.kind === 'folder') - Number(a.kind === 'folder') || a.name.localeCompare(b.name));
  return { dir: real, parent: real === top ? null : dirname(real), entries: entries.slice(0, MAX_ENTRIES), truncated: entries.length > MAX_ENTRIES };
}
