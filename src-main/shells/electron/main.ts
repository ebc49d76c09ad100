// Electron main process: the only runtime importer of `electron`. Boots the workstation like `camscope serve`
// (services/workstation.ts: --project, else the one opened last, else the demo project) behind the secure
// Electron shell, with explain jobs in a Node-mode child and PDFs printed by Electron.
import { app, BrowserWindow, ipcMain, protocol } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootWorkstation } from '../../services/workstation.js';
import { parseElectronArgs } from '../electronApp.js';
import { electronPdfPrinter, registerSchemes, startElectronShell } from '../electronShell.js';

const electron = { app, BrowserWindow, ipcMain, protocol };
registerSchemes(electron);
// Bundled layout (electron-vite): out/main/{index,explainWorker}.js, out/preload/index.cjs, out/renderer/.
const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
const outDir = join(here, '..');
const worker = { script: join(here, 'explainWorker.js'), execArgv: [], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } };

async function main(): Promise<void> {
  // --project P (else the last, else the demo) and --open-image ID (`camscope explain --open`'s image).
  const { project, startHash } = parseElectronArgs(process.argv);
  const { workspace } = await bootWorkstation({
    project,
    startHash,
    appRoot: join(outDir, '..'),
    worker,
    pdfPrinter: electronPdfPrinter(electron),
    startShell: (services) =>
      startElectronShell(electron, { ...services, rendererDir: join(outDir, 'renderer'), preload: join(outDir, 'preload', 'index.cjs') }),
  });
  app.on('window-all-closed', () => {
    workspace.close();
    app.quit();
  });
}

void main();
