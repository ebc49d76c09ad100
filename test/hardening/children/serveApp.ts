// `camscope serve`'s run-until-signal path on a project with CAM + Grad-CAM runs in a slow worker: prints
// the shell's port and token, then one JSON line per committed batch, and stops on SIGTERM/SIGINT.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveUntilSignal } from '../../../src-main/cli/serve.js';
import { Workspace } from '../../../src-main/services/workspace.js';
import { startBrowserShell } from '../../../src-main/shells/browserShell.js';

const [project, images, model] = process.argv.slice(2) as [string, string, string];
const renderer = mkdtempSync(join(tmpdir(), 'camscope-serve-app-'));
writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>camscope</title>');
const ws = Workspace.open(project, {
  create: true,
  worker: { script: fileURLToPath(new URL('./slowWorker.ts', import.meta.url)), execArgv: ['--import', 'tsx'] },
});
const h = ws.handlers();
await h['images.import']({ paths: [images] });
const info = await h['models.add']({ path: model });
const shell = await startBrowserShell({ handlers: h, images: ws, rendererDir: renderer });
ws.onEvent((event, payload) => {
  shell.emit(event, payload);
  if (event === 'run.progress') console.log(JSON.stringify({ done: (payload as { done: number }).done }));
});
await h['runs.start']({ modelId: info.id, methods: ['cam', 'gradcam'], target: 'top1' });
console.log(JSON.stringify({ port: shell.port, token: shell.token }));
await serveUntilSignal(shell, ws, (t) => process.stderr.write(t));
