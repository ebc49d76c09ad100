// A camscope app process for the crash tests: creates a project, imports a folder, adds a model and
// starts CAM + Grad-CAM runs in a slow worker, printing one JSON line per committed batch.
import { fileURLToPath } from 'node:url';
import { Workspace } from '../../../src-main/services/workspace.js';

const [project, images, model] = process.argv.slice(2) as [string, string, string];
const ws = Workspace.open(project, {
  create: true,
  worker: { script: fileURLToPath(new URL('./slowWorker.ts', import.meta.url)), execArgv: ['--import', 'tsx'] },
});
const h = ws.handlers();
await h['images.import']({ paths: [images] });
const info = await h['models.add']({ path: model });
// Progress is emitted after the batch is recorded in every run, so a printed count is committed.
ws.onEvent((event, payload) => {
  if (event === 'run.progress') console.log(JSON.stringify({ done: (payload as { done: number }).done }));
});
const runs = await h['runs.start']({ modelId: info.id, methods: ['cam', 'gradcam'], target: 'top1' });
console.log(JSON.stringify({ runIds: runs.map((r) => r.id) }));
