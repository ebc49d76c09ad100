// The demo project `npm start` opens: first the lecture on real data — the bundled ImageNet MobileNets on the
// bundled photos (hand-drawn boxes) with CAM, Grad-CAM, Grad-CAM++, Recipro-CAM and Score-CAM — then a
// CAM-vs-Grad-CAM study on the synthetic benchmark — one dataset per scenario rendered from a fixed seed, the three
// bundled shape models — all as app jobs (progress shows in the Runs view; Score-CAM, the slow one, last). Built once; a key file says which build it is, so an outdated or
// half-built demo is rebuilt and a complete one only opened.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CamscopeError } from '../errors.js';
import { camscopeHome } from '../terminal/camscopeHome.js';
import { ProjectStore } from '../store/projectStore.js';
import { generateSynth } from '../synth/generate.js';
import { SCENARIOS, type Scenario } from '../synth/scene.js';
import type { RunInfo } from '../../src-shared/ipc.js';
import { Workspace } from './workspace.js';
import type { WorkerEntry } from './jobRunner.js';

/** Bump when what the demo holds changes, so existing demos are rebuilt. */
export const DEMO_VERSION = 4;
export const DEMO_SEED = 20261126;
/** Images per scenario: 250 in all, generated in seconds and explained in well under a minute. */
export const DEMO_COUNT = 50;
export const DEMO_IMAGE_SIZE = 128;
/** The methods that share one forward+backward run (Eigen-CAM: the forward alone). CAM runs where the head allows it. */
export const DEMO_METHODS = ['cam', 'gradcam', 'gradcam++', 'xgradcam', 'layercam', 'eigencam'] as const;
/** Each bundled model and the scenarios it is explained on; the shortcut model where its shortcut shows. */
export const DEMO_MODELS: readonly { name: string; scenarios: readonly Scenario[] }[] = [
  { name: 'shapes-gap', scenarios: SCENARIOS },
  { name: 'shapes-fc', scenarios: SCENARIOS },
  { name: 'shapes-shortcut', scenarios: ['shortcut'] },
];

/** The ImageNet part: the bundled photos (models/photos, wsolevaluation) under this dataset name, and its models. */
export const IMAGENET_DATASET = 'imagenet-photos';
export const IMAGENET_MODELS = ['mobilenet-v2-imagenet', 'mobilenet-v1-imagenet'] as const;
/** Their logit 0 is background (camscope.label_offset in their metadata): the photos dataset records it. */
export const IMAGENET_LABEL_OFFSET = 1;
/** One forward+backward run for these; Score-CAM (a forward pass per channel: minutes on 2 cores) runs after everything else. */
export const IMAGENET_METHODS = ['cam', 'gradcam', 'gradcam++', 'reciprocam'] as const;
export const IMAGENET_SLOW_METHODS = ['scorecam'] as const;
/** The photo the app opens on. */
export const FIRST_PHOTO = 'chelsea.png';

export interface DemoOptions {
  /** Images per scenario (default DEMO_COUNT). */
  count?: number;
  /** Run Score-CAM on the photos too (default true; tests that wait for every run leave it out). */
  scoreCam?: boolean;
}

interface DemoKey {
  version: number;
  seed: number;
  count: number;
  scoreCam: boolean;
  size: number;
  /** sha256 per bundled model: a retrained model makes a new demo. */
  models: Record<string, string>;
}

export function defaultDemoProject(): string {
  return join(camscopeHome(), 'demo.camscope');
}

/** Where the demo's images live: `demo.camscope` → `demo-data/`, one folder per scenario. */
export function demoDataDir(projectFile: string): string {
  return `${projectFile.replace(/\.camscope$/, '')}-data`;
}

export function demoModelPath(repoRoot: string, name: string): string {
  return join(repoRoot, 'models', `${name}.onnx`);
}

export function demoPhotosDir(repoRoot: string): string {
  return join(repoRoot, 'models', 'photos');
}

function demoKey(repoRoot: string, count: number, scoreCam: boolean): DemoKey {
  const models: Record<string, string> = {};
  for (const name of [...IMAGENET_MODELS, ...DEMO_MODELS.map((m) => m.name)]) {
    const file = demoModelPath(repoRoot, name);
    if (!existsSync(file)) throw new CamscopeError(`${file}: bundled demo model not found`);
    models[name] = createHash('sha256').update(readFileSync(file)).digest('hex');
  }
  return { version: DEMO_VERSION, seed: DEMO_SEED, count, scoreCam, size: DEMO_IMAGE_SIZE, models };
}

const keyFile = (projectFile: string) => join(demoDataDir(projectFile), 'demo-key.json');

/** True when `file` is a complete demo built for exactly this key. */
function isBuilt(file: string, key: DemoKey): boolean {
  if (!existsSync(file) || !existsSync(keyFile(file))) return false;
  try {
    return JSON.stringify(JSON.parse(readFileSync(keyFile(file), 'utf8'))) === JSON.stringify(key);
  } catch {
    return false;
  }
}

/** Removes an outdated demo; opening it first fails (naming the holder) when another process has it open. */
function removeDemo(file: string): void {
  if (existsSync(file)) ProjectStore.open(file).close();
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  rmSync(demoDataDir(file), { recursive: true, force: true });
}

/**
 * Opens the demo project, building it first when it is missing, incomplete or outdated. A fresh build
 * returns with its runs started (they finish in the background; see `waitForRuns`).
 */
export async function openDemoProject(
  repoRoot: string,
  file = defaultDemoProject(),
  worker?: WorkerEntry,
  opts: DemoOptions = {},
): Promise<Workspace> {
  const key = demoKey(repoRoot, opts.count ?? DEMO_COUNT, opts.scoreCam ?? true);
  if (isBuilt(file, key)) return Workspace.open(file, { worker });
  removeDemo(file);
  mkdirSync(dirname(file), { recursive: true });
  const ws = Workspace.open(file, { create: true, worker });
  try {
    await buildDemo(ws, repoRoot, demoDataDir(file), key);
  } catch (e) {
    ws.close();
    throw e;
  }
  writeFileSync(keyFile(file), JSON.stringify(key) + '\n');
  return ws;
}

async function buildDemo(ws: Workspace, repoRoot: string, dataDir: string, key: DemoKey): Promise<void> {
  const h = ws.handlers();
  const addModel = async (name: string) => {
    const model = await h['models.add']({ path: demoModelPath(repoRoot, name) });
    return { id: model.id, camApplies: model.layers.find((l) => l.tensor === model.defaultLayer)?.cam.applicable ?? false };
  };
  const cheapMethods = <M extends string>(methods: readonly M[], camApplies: boolean) => methods.filter((m) => m !== 'cam' || camApplies);

  // The ImageNet part first: its runs are the first to finish, and the app opens on its first photo.
  // The photos' labels are ImageNet classes (0..999), stored as they are; the bundled models' logit 0 is background,
  // so the dataset records label offset 1 (what defaultLabelOffset gives them too).
  const before = new Set(ws.store.allImageIds());
  await ws.importDataset(demoPhotosDir(repoRoot), { format: 'wsolevaluation', dataset: IMAGENET_DATASET, labelOffset: IMAGENET_LABEL_OFFSET });
  const photoIds = ws.store.allImageIds().filter((id) => !before.has(id));
  const imagenetModels = [];
  for (const name of IMAGENET_MODELS) {
    const model = await addModel(name);
    imagenetModels.push(model);
    await h['runs.start']({ modelId: model.id, methods: cheapMethods(IMAGENET_METHODS, model.camApplies), target: 'top1', imageIds: photoIds });
  }

  const imageIds = new Map<Scenario, number[]>();
  for (const scenario of SCENARIOS) {
    const dir = join(dataDir, scenario);
    await generateSynth({ out: dir, seed: DEMO_SEED, count: key.count, scenarios: [scenario], split: 'test', size: DEMO_IMAGE_SIZE });
    const known = new Set(ws.store.allImageIds());
    await ws.importDataset(dir, { format: 'wsolevaluation', dataset: scenario });
    imageIds.set(
      scenario,
      ws.store.allImageIds().filter((id) => !known.has(id)),
    );
  }
  for (const { name, scenarios } of DEMO_MODELS) {
    const model = await addModel(name);
    await h['runs.start']({
      modelId: model.id,
      methods: cheapMethods(DEMO_METHODS, model.camApplies),
      target: 'top1',
      imageIds: scenarios.flatMap((s) => imageIds.get(s)!),
    });
  }
  if (key.scoreCam)
    for (const model of imagenetModels)
      await h['runs.start']({ modelId: model.id, methods: [...IMAGENET_SLOW_METHODS], target: 'top1', imageIds: photoIds });
}

/** Where the app opens on the demo: the first photo's image view (a URL hash), or null when it is not in the project. */
export function demoStartHash(ws: Workspace, repoRoot: string): string | null {
  const path = join(demoPhotosDir(repoRoot), FIRST_PHOTO);
  const id = ws.store.allImageIds().find((i) => ws.store.getImage(i)?.path === path);
  return id ? `#/image/${id}` : null;
}

/** Resolves when no run of the project is pending or running, reporting progress (images done of all runs' images). */
export function waitForRuns(ws: Workspace, onProgress?: (done: number, total: number) => void, pollMs = 250): Promise<RunInfo[]> {
  return new Promise((resolve) => {
    const poll = async () => {
      const runs = await ws.handlers()['runs.list']({});
      onProgress?.(
        runs.reduce((s, r) => s + r.done, 0),
        runs.reduce((s, r) => s + r.total, 0),
      );
      if (runs.every((r) => r.status !== 'pending' && r.status !== 'running')) resolve(runs);
      else setTimeout(() => void poll(), pollMs);
    };
    void poll();
  });
}
