// The Electron desktop app from a checkout, as `npm start` (scripts/start.mjs) and `camscope explain --open` launch it:
// whether Electron's binary is installed (without triggering the electron package's lazy download) and what has to run
// before it starts. Plain Node (no electron import), so the CLI and the start script can ask.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type ElectronBinary = { path: string } | { why: string };

/**
 * The installed Electron executable seen from `root` (the checkout), or why there is none. Read the way the electron
 * package records it — its `path.txt` names the executable under `dist/` (or under ELECTRON_OVERRIDE_DIST_PATH) —
 * instead of `require('electron')`, which downloads a missing binary.
 */
export function electronBinary(root: string, env: NodeJS.ProcessEnv = process.env): ElectronBinary {
  let dir: string;
  try {
    dir = dirname(createRequire(join(root, 'package.json')).resolve('electron/package.json'));
  } catch {
    return { why: 'the electron package is not installed' };
  }
  const pathTxt = join(dir, 'path.txt');
  if (!existsSync(pathTxt)) return { why: "Electron's binary was never downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD or offline install)" };
  const exe = readFileSync(pathTxt, 'utf8').trim();
  const full = join(env.ELECTRON_OVERRIDE_DIST_PATH ?? join(dir, 'dist'), exe);
  return existsSync(full) ? { path: full } : { why: `Electron's binary is missing (${full})` };
}

/** The newest modification time of any file under `dir`. */
function newest(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((t, e) => {
    const p = join(dir, e.name);
    return Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }, 0);
}

/** Whether `out` is missing or older than a file under one of `sources` (folders relative to `root`). */
export function isStale(root: string, out: string, sources: readonly string[]): boolean {
  return !existsSync(out) || sources.some((s) => newest(join(root, s)) > statSync(out).mtimeMs);
}

export interface PreparationStep {
  /** What it does, for the failure line ("building the app failed …"). */
  what: string;
  command: string;
  args: string[];
}

/**
 * What runs before Electron starts on the checkout: the app built (electron-vite) when a source is newer than it, and
 * the native modules rebuilt for Electron's ABI (electron-builder install-app-deps; `npm test` puts Node's back).
 */
export function electronPreparation(root: string): PreparationStep[] {
  const steps: PreparationStep[] = [];
  if (isStale(root, join(root, 'out/main/index.js'), ['src-main', 'src-shared', 'src-renderer']))
    steps.push({ what: 'building the app', command: 'npx', args: ['electron-vite', 'build'] });
  steps.push({ what: "rebuilding native modules for Electron's ABI", command: 'npx', args: ['electron-builder', 'install-app-deps'] });
  return steps;
}

/** The arguments Electron's main process reads (`shells/electron/main.ts`): the project, and the image to open on. */
export function electronAppArgs(root: string, opts: { project?: string; imageId?: number } = {}): string[] {
  return [root, ...(opts.project ? ['--project', opts.project] : []), ...(opts.imageId !== undefined ? ['--open-image', String(opts.imageId)] : [])];
}

/** What the main process was asked for: the project to open, and the start view (`#/image/<id>` for --open-image). */
export function parseElectronArgs(argv: readonly string[]): { project?: string; startHash?: string } {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i > 0 ? argv[i + 1] : undefined;
  };
  const project = value('--project');
  const image = value('--open-image');
  return {
    ...(project ? { project } : {}),
    ...(image !== undefined && /^\d+$/.test(image) ? { startHash: `#/image/${image}` } : {}),
  };
}
