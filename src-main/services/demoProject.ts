// The demo project `npm start` opens: a CAM-vs-Grad-CAM study on the synthetic benchmark — one dataset per
// scenario rendered from a fixed seed, the three bundled models, and runs of the cheap methods started as app
// jobs (progress shows in the Runs view). Built once; a key file says which build it is, so an outdated or
// half-built demo is rebuilt and a complete one only opened.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CamscopeError } from '../errors.js';
import { ProjectStore } from '../store/projectStore.js';
import { generateSynth } from '../synth/generate.js';
import { SCENARIOS, type Scenario } from '../synth/scene.js';
import type { RunInfo } from '../../src-shared/ipc.js';
import { Workspace } from './workspace.js';
import type { WorkerEntry } from './jobRunner.js';

/** Bump when what the demo holds changes, so existing demos are rebuilt. */
export const DEMO_VERSION = 2;
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

export interface DemoOptions {
  /** Images per scenario (default DEMO_COUNT). */
  count?: number;
}

interface DemoKey {
  version: number;
  seed: number;
  count: number;
  size: number;
  /** sha256 per bundled model: a retrained model makes a new demo. */
  models: Record<string, string>;
}

export function defaultDemoProject(): string {
  return join(process.env.CAMSCOPE_HOME ?? join(homedir(), '.camscope'), 'demo.camscope');
}

/** Where the demo's images live: `demo.camscope` → `demo-data/`, one folder per scenario. */
export function demoDataDir(projectFile: string): string {
  return `${projectFile.replace(/\.camscope$/, '')}-data`;
}

export function demoModelPath(repoRoot: string, name: string): string {
  return join(repoRoot, 'models', `${name}.onnx`);
}

function demoKey(repoRoot: string, count: number): DemoKey {
  const models: Record<string, string> = {};
  for (const { name } of DEMO_MODELS) {
    const file = demoModelPath(repoRoot, name);
    if (!existsSync(file)) throw new CamscopeError(`${file}: bundled demo model not found`);
    models[name] = createHash('sha256').update(readFileSync(file)).digest('hex');
  }
  return { version: DEMO_VERSION, seed: DEMO_SEED, count, size: DEMO_IMAGE_SIZE, models };
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
export async function openDemoProject(repoRoot: string, file = defaultDemoProject(), worker?: WorkerEntry, opts: DemoOptions = {}): Promise<Workspace> {
  const key = demoKey(repoRoot, opts.count ?? DEMO_COUNT);
  if (isBuilt(file, key)) return Workspace.open(file, { worker });
  removeDemo(file);
  mkdirSync(dirname(file), { recursive: true });
  const ws = Workspace.open(file, { create: true, worker });
  try {
    await buildDemo(ws, repoRoot, demoDataDir(file), key.count);
  } catch (e) {
    ws.close();
    throw e;
  }
  writeFileSync(keyFile(file), JSON.stringify(key) + '\n');
  return ws;
}

async function buildDemo(ws: Workspace, repoRoot: string, dataDir: string, count: number): Promise<void> {
  const imageIds = new Map<Scenario, number[]>();
  for (const scenario of SCENARIOS) {
    const dir = join(dataDir, scenario);
    await generateSynth({ out: dir, seed: DEMO_SEED, count, scenarios: [scenario], split: 'test', size: DEMO_IMAGE_SIZE });
    const before = new Set(ws.store.allImageIds());
    await ws.importDataset(dir, { format: 'wsolevaluation', dataset: scenario });
    imageIds.set(scenario, ws.store.allImageIds().filter((id) => !before.has(id)));
  }
  const h = ws.handlers();
  for (const { name, scenarios } of DEMO_MODELS) {
    const model = await h['models.add']({ path: demoModelPath(repoRoot, name) });
    const camApplies = model.layers.find((l) => l.tensor === model.defaultLayer)?.cam.applicable ?? false;
    const methods = DEMO_METHODS.filter((m) => m !== 'cam' || camApplies);
    await h['runs.start']({ modelId: model.id, methods, target: 'top1', imageIds: scenarios.flatMap((s) => imageIds.get(s)!) });
  }
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
