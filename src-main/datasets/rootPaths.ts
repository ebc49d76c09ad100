// Keeps every dataset path inside the dataset root: ids are relative posix paths without '..', and
// the file they name must resolve (symlinks followed) to a file under the root's real path.
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { CamscopeError } from '../errors.js';

export type Checked<T> = { ok: T } | { problem: string };

export class DatasetRoot {
  private constructor(
    readonly dir: string,
    private readonly realDir: string,
  ) {}

  static async open(dir: string): Promise<DatasetRoot> {
    const abs = resolve(dir);
    const s = await stat(abs).catch(() => null);
    if (!s) throw new CamscopeError(`${abs}: dataset folder not found`);
    if (!s.isDirectory()) throw new CamscopeError(`${abs}: not a folder (a dataset is a folder)`);
    return new DatasetRoot(abs, await realpath(abs));
  }

  /** The normalized id (posix, relative) of a path as a dataset file writes it. */
  checkId(relPath: string): Checked<string> {
    const posix = relPath.split('\\').join('/');
    if (posix.trim() === '') return { problem: 'empty image path' };
    if (posix.includes('\0')) return { problem: `image path '${relPath}' contains a NUL character` };
    if (isAbsolute(relPath) || posix.startsWith('/') || /^[A-Za-z]:/.test(posix)) {
      return { problem: `absolute image path '${relPath}' refused (paths must be relative to the dataset root)` };
    }
    const parts = posix.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.includes('..')) return { problem: `image path '${relPath}' refused ('..' may leave the dataset root)` };
    return { ok: parts.join('/') };
  }

  /** Absolute path of an id's file, refusing missing files and symlinks that lead outside the root. */
  async resolveFile(id: string): Promise<Checked<string>> {
    const path = join(this.dir, ...id.split('/'));
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      return { problem: `image file not found: '${id}'` };
    }
    if (!real.startsWith(this.realDir.endsWith(sep) ? this.realDir : this.realDir + sep))
      return { problem: `'${id}' is a symlink leading outside the dataset root, refused` };
    if (!(await stat(real)).isFile()) return { problem: `'${id}' is not a file` };
    return { ok: path };
  }
}

export const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

/** The first candidate (relative to root) that is a folder, else '.' (the root). */
export async function firstExistingDir(root: string, candidates: readonly string[]): Promise<string> {
  for (const c of candidates) if ((await stat(join(root, c)).catch(() => null))?.isDirectory()) return c;
  return '.';
}
