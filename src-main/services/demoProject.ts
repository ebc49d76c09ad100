// The demo project `npm start` opens: the bundled demo images and model, with CAM and Grad-CAM runs
// started on first open (progress shows in the Runs view).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Box } from '../../src-shared/explainTypes.js';
import { Workspace } from './workspace.js';
import type { WorkerEntry } from './jobRunner.js';

export function defaultDemoProject(): string {
  return join(process.env.CAMSCOPE_HOME ?? join(homedir(), '.camscope'), 'demo.camscope');
}

/** Opens the demo project, creating and filling it when it does not exist yet. */
export async function openDemoProject(repoRoot: string, file = defaultDemoProject(), worker?: WorkerEntry): Promise<Workspace> {
  if (existsSync(file)) return Workspace.open(file, { worker });
  mkdirSync(dirname(file), { recursive: true });
  const ws = Workspace.open(file, { create: true, worker });
  const demo = join(repoRoot, 'models', 'demo');
  const truth = JSON.parse(readFileSync(join(demo, 'boxes.json'), 'utf8')) as Record<string, { label: number; box: Box }>;
  const byPath = new Map(Object.entries(truth).map(([f, t]) => [join(demo, f), { label: t.label, boxes: [t.box] }]));
  await ws.importImages([...byPath.keys()], 'demo', byPath);
  const h = ws.handlers();
  const model = await h['models.add']({ path: join(repoRoot, 'models', 'shapes-gap.onnx') });
  await h['runs.start']({ modelId: model.id, methods: ['cam', 'gradcam'], target: 'top1' });
  return ws;
}
