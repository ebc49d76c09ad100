// `camscope explain --open`: what explain computed is stored in a project as quick look stores it (the image in the
// 'Quick look' dataset, one run per method), then opened on the first image as `npm start` opens it: in the Electron
// app where its binary is installed (shells/electronApp.ts, the same detection and preparation as scripts/start.mjs),
// else served as `camscope serve` serves it in a Chromium app window — or, where no window can be opened, the URL printed.
import { spawn, spawnSync } from 'node:child_process';
import type { ExplainReport } from '../../src-shared/explainTypes.js';
import { QUICK_LOOK_DATASET } from '../../src-shared/quickLook.js';
import { CamscopeError } from '../errors.js';
import { openChosenProject } from '../services/workstation.js';
import type { Workspace } from '../services/workspace.js';
import { noWindowHere } from '../shells/appWindow.js';
import { type ElectronBinary, type PreparationStep, electronAppArgs, electronBinary, electronPreparation } from '../shells/electronApp.js';
import type { CliIO } from './command.js';
import { REPO_ROOT, serve, serveUntilSignal } from './serve.js';

/** How the Electron app is found, prepared and run (tests give a fake binary and skip the builds). */
export interface ElectronLauncher {
  binary(): ElectronBinary;
  prepare(): PreparationStep[];
  /** Runs one preparation step to its end; its exit status. */
  runStep(step: PreparationStep): number | null;
  /** Electron's arguments for the project and image (the app folder first). */
  args(opts: { project: string; imageId: number }): string[];
}

export const CHECKOUT_ELECTRON: ElectronLauncher = {
  binary: () => electronBinary(REPO_ROOT),
  prepare: () => electronPreparation(REPO_ROOT),
  runStep: (step) => spawnSync(step.command, step.args, { stdio: 'inherit', cwd: REPO_ROOT }).status,
  args: (opts) => electronAppArgs(REPO_ROOT, opts),
};

/** `project`: the one to store in (created when missing), else the one the app would open (the last, else the demo). */
export async function openExplained(
  report: ExplainReport,
  target: 'top1' | number,
  params: Record<string, unknown>,
  project: string | undefined,
  io: CliIO,
  electron: ElectronLauncher = CHECKOUT_ELECTRON,
): Promise<void> {
  // Where no window can open at all, the browser shell's URL is the answer (it says why); else Electron when installed.
  const found = noWindowHere() ? null : electron.binary();
  if (found && 'path' in found) return openInElectron(found.path, report, target, params, project, io, electron);
  if (found) io.err(`camscope: ${found.why}: using the browser shell instead\n`);

  const { shell, workspace } = await serve({ project });
  let imageIds: number[];
  try {
    imageIds = await record(workspace, report, target, params, io);
  } catch (e) {
    await shell.close();
    workspace.close();
    throw e;
  }
  const url = `${shell.url}#/image/${imageIds[0]}`;
  io.out(`camscope listening on ${url}\n`);
  await serveUntilSignal(shell, workspace, io.err, { url, out: io.out });
}

async function record(
  workspace: Workspace,
  report: ExplainReport,
  target: 'top1' | number,
  params: Record<string, unknown>,
  io: CliIO,
): Promise<number[]> {
  const imageIds = await workspace.recordExplained(report, target, params);
  const methods = new Set(report.results.flatMap((r) => r.maps.map((m) => m.method))).size;
  io.err(`camscope: stored ${imageIds.length} image(s) × ${methods} methods in ${workspace.store.file} (dataset '${QUICK_LOOK_DATASET}')\n`);
  return imageIds;
}

/**
 * Stores first and closes the project (releasing its lock for the app; the native modules are Node's until the
 * preparation rebuilds them for Electron), then runs what `npm start` runs before Electron and Electron itself on the
 * project and image, until the app is closed.
 */
async function openInElectron(
  binary: string,
  report: ExplainReport,
  target: 'top1' | number,
  params: Record<string, unknown>,
  project: string | undefined,
  io: CliIO,
  electron: ElectronLauncher,
): Promise<void> {
  const { workspace } = await openChosenProject({ project, appRoot: REPO_ROOT });
  const file = workspace.store.file;
  let imageIds: number[];
  try {
    imageIds = await record(workspace, report, target, params, io);
  } finally {
    await workspace.shutdown();
  }
  for (const step of electron.prepare()) {
    const status = electron.runStep(step);
    if (status !== 0) throw new CamscopeError(`${step.what} failed (exit ${status}); the maps are stored in ${file}: open it with npm start`);
  }
  io.err(`camscope: opening ${file} in the Electron app (${binary})\n`);
  const app = spawn(binary, electron.args({ project: file, imageId: imageIds[0]! }), { stdio: 'inherit', cwd: REPO_ROOT });
  const code = await new Promise<number | null>((done, fail) => {
    app.once('error', (e) => fail(new CamscopeError(`Electron could not start: ${e.message}; the maps are stored in ${file}`)));
    app.once('exit', (c) => done(c));
  });
  if (code !== 0 && code !== null) throw new CamscopeError(`the Electron app exited with code ${code}; the maps are stored in ${file}`);
}
