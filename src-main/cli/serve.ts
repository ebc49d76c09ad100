// `camscope serve`: the workstation behind the loopback browser shell (127.0.0.1, per-launch token).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CamscopeError } from '../errors.js';
import type { DemoOptions } from '../services/demoProject.js';
import type { Workspace } from '../services/workspace.js';
import { bootWorkstation } from '../services/workstation.js';
import { type BrowserShell, startBrowserShell } from '../shells/browserShell.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const RENDERER_DIR = join(REPO_ROOT, 'out', 'renderer');

/** Serves a project (created when missing), or when none is given the last one opened, else the demo project. */
export async function serve(opts: { project?: string; port?: number; demo?: DemoOptions }): Promise<{ shell: BrowserShell; workspace: Workspace }> {
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    throw new CamscopeError(`${RENDERER_DIR}: the renderer is not built (run 'npm run build:renderer')`);
  }
  return bootWorkstation({
    project: opts.project,
    appRoot: REPO_ROOT,
    demo: opts.demo,
    startShell: (services) => startBrowserShell({ ...services, rendererDir: RENDERER_DIR, port: opts.port }),
  });
}
