// Electron main process: the only runtime importer of `electron`. Opens the project given as --project,
// else the one opened last, else the demo project; serves it through the secure shell and runs explain
// jobs in a Node-mode child.
import { app, BrowserWindow, ipcMain, protocol } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDemoProject, openDemoProject } from '../../services/demoProject.js';
import { lastProject, rememberProject } from '../../services/recentProjects.js';
import { Workspace } from '../../services/workspace.js';
import { electronPdfPrinter, registerSchemes, startElectronShell } from '../electronShell.js';

const electron = { app, BrowserWindow, ipcMain, protocol };
registerSchemes(electron);
// Bundled layout (electron-vite): out/main/{index,explainWorker}.js, out/preload/index.cjs, out/renderer/.
const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..');
const worker = { script: join(here, 'explainWorker.js'), execArgv: [], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } };

async function main(): Promise<void> {
  const flag = process.argv.indexOf('--project');
  const project = (flag > 0 ? process.argv[flag + 1] : undefined) ?? lastProject();
  const workspace =
    project && project !== defaultDemoProject() ? Workspace.open(project, { worker }) : await openDemoProject(join(outDir, '..'), undefined, worker);
  rememberProject(workspace.store.file);
  workspace.pdfPrinter = electronPdfPrinter(electron);
  const shell = await startElectronShell(electron, {
    handlers: workspace.handlers(),
    images: workspace,
    rendererDir: join(outDir, 'renderer'),
    preload: join(outDir, 'preload', 'index.cjs'),
  });
  workspace.onEvent((event, payload) => shell.emit(event, payload));
  workspace.resumeInterrupted();
  app.on('window-all-closed', () => {
    workspace.close();
    app.quit();
  });
}

void main();
