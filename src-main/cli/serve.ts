// `camscope serve`: the workstation behind the loopback browser shell (127.0.0.1, per-launch token).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CamscopeError } from '../errors.js';
import { type DemoOptions, defaultDemoProject, openDemoProject } from '../services/demoProject.js';
import { lastProject, rememberProject } from '../services/recentProjects.js';
import { Workspace } from '../services/workspace.js';
import { type BrowserShell, startBrowserShell } from '../shells/browserShell.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const RENDERER_DIR = join(REPO_ROOT, 'out', 'renderer');

/** Serves a project (created when missing), or when none is given the last one opened, else the demo project. */
export async function serve(opts: { project?: string; port?: number; demo?: DemoOptions }): Promise<{ shell: BrowserShell; workspace: Workspace }> {
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    throw new CamscopeError(`${RENDERER_DIR}: the renderer is not built (run 'npm run build:renderer')`);
  }
  const project = opts.project ?? lastProject();
  // The demo goes through openDemoProject even when it was the last project, so an outdated demo is rebuilt.
  const workspace =
    project && resolve(project) !== defaultDemoProject() ? Workspace.open(project, { create: !existsSync(project) }) : await openDemoProject(REPO_ROOT, undefined, undefined, opts.demo);
  rememberProject(workspace.store.file);
  const shell = await startBrowserShell({ handlers: workspace.handlers(), images: workspace, rendererDir: RENDERER_DIR, port: opts.port });
  workspace.onEvent((event, payload) => shell.emit(event, payload));
  workspace.resumeInterrupted();
  return { shell, workspace };
}
