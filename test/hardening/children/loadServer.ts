// A workstation for load tests: a project with the given images and models, a finished CAM + Grad-CAM run
// per model, served by the real browser shell; prints {port, token, modelIds, runIds} when ready, then
// serves until SIGTERM like `camscope serve`.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveUntilSignal } from '../../../src-main/cli/serve.js';
import { Workspace } from '../../../src-main/services/workspace.js';
import { startBrowserShell } from '../../../src-main/shells/browserShell.js';

const [project, images, ...models] = process.argv.slice(2) as [string, string, ...string[]];
const renderer = mkdtempSync(join(tmpdir(), 'camscope-load-'));
writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>camscope</title>');
const fresh = !existsSync(project);
if (fresh) {
  const setup = Workspace.open(project, { create: true });
  const h = setup.handlers();
  await h['images.import']({ paths: [images] });
  for (const model of models) {
    const info = await h['models.add']({ path: model });
    const finished = new Promise<void>((resolve) => setup.onEvent((e) => e === 'run.finished' && resolve()));
    await h['runs.start']({ modelId: info.id, methods: ['cam', 'gradcam'], target: 'top1' });
    await finished;
  }
  setup.close();
}
// Opened anew, so the first requests meet cold caches as after a real start.
const ws = Workspace.open(project);
const shell = await startBrowserShell({ handlers: ws.handlers(), images: ws, rendererDir: renderer, log: (l) => process.stderr.write(`${l}\n`) });
ws.onEvent((event, payload) => shell.emit(event, payload));
const runs = ws.store.listRuns();
console.log(
  JSON.stringify({
    port: shell.port,
    token: shell.token,
    modelIds: [...new Set(runs.map((r) => r.modelId))],
    runIds: runs.map((r) => r.id),
    imageIds: ws.store.allImageIds(),
  }),
);
await serveUntilSignal(shell, ws, (t) => process.stderr.write(t));
