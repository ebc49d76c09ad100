// `camscope serve`: the workstation behind the loopback browser shell (127.0.0.1, per-launch token).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CamscopeError, firstLine } from '../errors.js';
import type { DemoOptions } from '../services/demoProject.js';
import type { Workspace } from '../services/workspace.js';
import { bootWorkstation } from '../services/workstation.js';
import { intOption, one, parseArgs } from './args.js';
import type { CliIO } from './command.js';
import { parseDevice, resolveDevice } from '../explain/device.js';
import { type AppWindow, openAppWindow } from '../shells/appWindow.js';
import { type BrowserShell, startBrowserShell } from '../shells/browserShell.js';
import { onInterrupt } from '../terminal/signals.js';

/** The checkout or package root: the nearest folder above this module with camscope's package.json (sources or out/cli/<build>/). */
export const REPO_ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));
export const RENDERER_DIR = join(REPO_ROOT, 'out', 'renderer');

/** Serves a project (created when missing), or when none is given the last one opened, else the demo project. */
export async function serve(opts: {
  project?: string;
  port?: number;
  demo?: DemoOptions;
}): Promise<{ shell: BrowserShell; workspace: Workspace; startHash: string }> {
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

export async function serveCommand(argv: string[], io: CliIO): Promise<void> {
  const a = parseArgs(argv, { project: {}, port: {}, device: {}, window: { flag: true } });
  const project = one(a, 'project');
  const device = parseDevice(one(a, 'device'));
  const notice = resolveDevice(device).notice;
  if (notice) io.err(`${notice}\n`);
  const { shell, workspace, startHash } = await serve({ project: project && resolve(project), port: intOption(a, 'port') });
  workspace.useDevice(device);
  io.out(`camscope listening on ${shell.url}${startHash}\n`);
  await serveUntilSignal(shell, workspace, io.err, a.flags.has('window') ? { url: `${shell.url}${startHash}`, out: io.out } : undefined);
}

/**
 * Serves until SIGINT/SIGTERM (or, with `window`, until the app window opened on its URL is closed), then stops
 * gracefully: no new connections (open ones get 1001), every running job finishes and commits the batch in hand, the
 * store closes and releases the project lock. A second signal exits at once (committed batches are safe: each is one
 * transaction).
 */
export async function serveUntilSignal(
  shell: BrowserShell,
  workspace: Workspace,
  err: (text: string) => void,
  window?: { url: string; out: (text: string) => void },
): Promise<void> {
  let dispose = () => {};
  let opened = null as AppWindow | null;
  await new Promise<void>((done) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      // Both at once: the jobs must hear 'stop' before more batches start, while the sockets get their close.
      void Promise.all([shell.close(), workspace.shutdown()])
        .then(() => err('camscope: stopped; the project is closed and unfinished runs resume when it is opened again\n'))
        .catch((e: unknown) => err(`camscope: stopping failed: ${firstLine(e)}\n`))
        .finally(done);
    };
    dispose = onInterrupt((signal) => {
      err(`camscope: ${signal}: finishing the running batches, then closing ${workspace.store.file} (${signal} again stops at once)\n`);
      stop();
    }, err);
    if (window) opened = openAppWindow(window.url, (line) => window.out(`camscope: ${line}\n`), stop);
  });
  dispose();
  opened?.close();
}

function packageRoot(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    const pkg = join(d, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'camscope') return d;
    if (dirname(d) === d) return resolve(dir, '../..');
  }
}
