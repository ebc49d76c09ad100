// Start-up of the workstation, one for both shells (`camscope serve`'s browser shell and Electron's main
// process): the project asked for (created when missing), else the one opened last, else the demo project;
// remembered as the most recent; a shell attached to its handlers, images and events; interrupted runs resumed.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { PdfPrinter } from '../report/pdfPrinter.js';
import { type DemoOptions, defaultDemoProject, demoStartHash, openDemoProject } from './demoProject.js';
import type { ImageSource } from './images.js';
import type { WorkerEntry } from './jobRunner.js';
import { lastProject, rememberProject } from './recentProjects.js';
import type { Emit, Handlers } from './router.js';
import { Workspace } from './workspace.js';

export interface ProjectChoice {
  /** The project file to open; without it the last one opened, else the demo. */
  project?: string;
  /** Where the bundled demo models are (the repository, or the packaged app's resources). */
  appRoot: string;
  /** The explain worker (the dev worker through tsx by default; Electron's bundled one in Node mode). */
  worker?: WorkerEntry;
  demo?: DemoOptions;
}

export interface BootOptions<S> extends ProjectChoice {
  /** The view the window opens on instead of the project's own (`#/image/<id>`: Electron's --open-image). */
  startHash?: string;
  /** Replaces headless Chromium for report.export's PDFs (Electron prints with its own window). */
  pdfPrinter?: PdfPrinter;
  /** Starts the shell on the workspace's handlers and images; startHash is the view the window opens on ('' for the app's default). */
  startShell(services: { handlers: Handlers; images: ImageSource; startHash: string }): Promise<S>;
}

/**
 * The project a shell opens, opened (no shell, nothing remembered): the one asked for (created when missing), else the
 * one opened last, else the demo (rebuilt when outdated); with the view its window opens on. `camscope explain --open`
 * stores into it before Electron opens it.
 */
export async function openChosenProject(opts: ProjectChoice): Promise<{ workspace: Workspace; startHash: string }> {
  const project = opts.project ?? lastProject();
  // The demo goes through openDemoProject even when it was the last project, so an outdated demo is rebuilt.
  const isDemo = !(project && resolve(project) !== defaultDemoProject());
  const workspace = isDemo
    ? await openDemoProject(opts.appRoot, undefined, opts.worker, opts.demo)
    : Workspace.open(project, { create: !existsSync(project), worker: opts.worker });
  // The demo opens on its first photo (the lecture's figure); any other project on the app's default view.
  return { workspace, startHash: (isDemo && demoStartHash(workspace, opts.appRoot)) || '' };
}

export async function bootWorkstation<S extends { emit: Emit }>(
  opts: BootOptions<S>,
): Promise<{ workspace: Workspace; shell: S; startHash: string }> {
  const opened = await openChosenProject(opts);
  const { workspace } = opened;
  const startHash = opts.startHash ?? opened.startHash;
  try {
    rememberProject(workspace.store.file);
    if (opts.pdfPrinter) workspace.pdfPrinter = opts.pdfPrinter;
    const shell = await opts.startShell({ handlers: workspace.handlers(), images: workspace, startHash });
    workspace.onEvent((event, payload) => shell.emit(event, payload));
    workspace.resumeInterrupted();
    return { workspace, shell, startHash };
  } catch (e) {
    workspace.close();
    throw e;
  }
}
