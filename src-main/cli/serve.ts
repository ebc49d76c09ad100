// `camscope serve`: the workstation behind the loopback browser shell (127.0.0.1, per-launch token).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CamscopeError } from '../errors.js';
import { openDemoProject } from '../services/demoProject.js';
import { Workspace } from '../services/workspace.js';
import { type BrowserShell, startBrowserShell } from '../shells/browserShell.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const RENDERER_DIR = join(REPO_ROOT, 'out', 'renderer');

/** Serves a project (created when missing), or the demo project when none is given. */
export async function serve(opts: { project?: string; port?: number }): Promise<{ shell: BrowserShell; workspace: Workspace }> {
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    throw new CamscopeError(`${RENDERER_DIR}: the renderer is not built (run 'npm run build:renderer')`);
  }
  const workspace = opts.project
    ? Workspace.open(opts.project, { create: !existsSync(opts.project) })
    : await openDemoProject(REPO_ROOT);
  const shell = await startBrowserShell({ handlers: workspace.handlers(), images: workspace, rendererDir: RENDERER_DIR, port: opts.port });
  workspace.onEvent((event, payload) => shell.emit(event, payload));
  workspace.resumeInterrupted();
  return { shell, workspace };
}
