// Crash safety of the project store: an app process SIGKILLed mid-run, a second instance, a read-only
// file or folder, a full disk. Each ends in one clear line at most; the study stays readable and whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { CamscopeError } from '../../src-main/errors.js';
import { Workspace } from '../../src-main/services/workspace.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import { gapClassifier, writeModel } from '../helpers/tinyModels.js';
import { exited, ready, sampleImage, spawnWithStore, tempProject } from '../store/storeFixtures.js';

const child = (name: string) => fileURLToPath(new URL(`./children/${name}`, import.meta.url));

function integrity(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

/** Every stored map of every run, as run → image → values, read through a read-only store. */
function storedMaps(file: string): Map<number, Map<number, number[]>> {
  const store = ProjectStore.open(file, { readonly: true });
  try {
    const out = new Map<number, Map<number, number[]>>();
    for (const run of store.listRuns()) {
      const maps = new Map<number, number[]>();
      for (const id of store.allImageIds()) {
        const m = store.getMap(run.id, id);
        if (m) maps.set(id, [...m.values]);
      }
      out.set(run.id, maps);
    }
    return out;
  } finally {
    store.close();
  }
}

test('an app process SIGKILLed mid-run: integrity ok, every committed batch kept, the run resumes where it stopped', async (t) => {
  const project = tempProject(t);
  const dir = join(project, '..');
  const images = join(dir, 'images');
  mkdirSync(images);
  const count = 40; // 5 batches of 8, 150 ms apart in the slow worker
  for (let i = 0; i < count; i++) {
    await sharp({ create: { width: 24, height: 24, channels: 3, background: { r: (i * 37) % 256, g: 60, b: 255 - i * 5 } } })
      .png()
      .toFile(join(images, `i${String(i).padStart(2, '0')}.png`));
  }
  const model = writeModel(join(dir, 'gap.onnx'), gapClassifier());

  // Its own process group, so the kill takes the app and its explain worker at once, like a power cut.
  const app = spawn(process.execPath, ['--import', 'tsx', child('batchApp.ts'), project, images, model], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killGroup = () => {
    try {
      process.kill(-app.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  t.after(killGroup);
  let stderr = '';
  app.stderr!.on('data', (d) => (stderr += d));
  let acknowledged = 0;
  await new Promise<void>((resolve, reject) => {
    let buffered = '';
    app.stdout!.on('data', (d) => {
      buffered += d;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const msg = JSON.parse(line) as { done?: number };
        if (msg.done !== undefined) acknowledged = msg.done;
        if (acknowledged >= 16) {
          killGroup();
          resolve();
        }
      }
    });
    app.once('exit', () => reject(new Error(`the app ended before it was killed: ${stderr}`)));
  });
  assert.equal((await exited(app)).signal, 'SIGKILL');
  assert.ok(acknowledged < count, `killed mid-run (after ${acknowledged} of ${count})`);

  assert.equal(integrity(project), 'ok');
  const before = storedMaps(project);
  assert.equal(before.size, 2, 'both runs are in the file');
  const reader = ProjectStore.open(project, { readonly: true });
  for (const run of reader.listRuns()) {
    assert.equal(run.status, 'running');
    assert.ok(run.done >= acknowledged, `run ${run.id}: ${run.done} stored ≥ ${acknowledged} acknowledged`);
    assert.equal(run.done, before.get(run.id)!.size, 'done counts exactly the stored maps');
    assert.ok(run.done < count, 'the kill landed before the end');
  }
  reader.close();

  const ws = Workspace.open(project);
  try {
    assert.equal(ws.store.crashedWriter?.pid, app.pid, 'the dead app is recognised as the crashed writer');
    const finished = new Promise<{ status: string }>((resolve) => ws.onEvent((e, p) => e === 'run.finished' && resolve(p as { status: string })));
    const resumed = ws.resumeInterrupted();
    assert.deepEqual(resumed.map((r) => r.done).sort(), [...before.values()].map((m) => m.size).sort(), 'resumes from where each run stopped');
    assert.equal((await finished).status, 'done');
    for (const run of ws.store.listRuns()) assert.deepEqual([run.status, run.done, run.total], ['done', count, count]);
  } finally {
    ws.close();
  }
  const after = storedMaps(project);
  for (const [runId, maps] of before) {
    assert.equal(after.get(runId)!.size, count);
    for (const [imageId, values] of maps) assert.deepEqual(after.get(runId)!.get(imageId), values, 'results stored before the kill are unchanged');
  }
  assert.equal(integrity(project), 'ok');
});

test('a second instance is told which pid on which host holds the project, and changes nothing', async (t) => {
  const project = tempProject(t);
  const first = ProjectStore.create(project);
  first.addImages([sampleImage(1), sampleImage(2)]);
  first.close();
  const holder = spawnWithStore(project);
  t.after(() => holder.kill('SIGKILL'));
  await ready(holder);
  const hash = () => createHash('sha256').update(readFileSync(project)).digest('hex');
  const bytes = hash();
  assert.throws(
    () => Workspace.open(project),
    (e: unknown) =>
      e instanceof CamscopeError &&
      !e.message.includes('\n') &&
      e.message.startsWith(`${project}: already open for writing by pid ${holder.pid} on ${hostname()} since `),
  );
  assert.equal(hash(), bytes, 'the refused instance wrote nothing');
  const reader = ProjectStore.open(project, { readonly: true });
  assert.equal(reader.imageCount(), 2, 'read-only opens still work beside the writer');
  reader.close();
  holder.stdin!.write('close\n');
  assert.equal((await exited(holder)).code, 0);
  assert.equal(integrity(project), 'ok');
});

const asRoot = process.getuid?.() === 0;
/** Root ignores file modes, so the checks run as nobody (65534) — possible only where nobody can read the repository. */
const permissionsSkip = (() => {
  if (!asRoot) return false;
  const probe = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(child('openProject.ts'))})`], {
    uid: 65534,
    gid: 65534,
  });
  return probe.status === 0 ? false : 'running as root and user 65534 cannot read the repository';
})();

/** Opens the project in a child as a user the permissions apply to (root ignores them). */
function openAsUser(file: string, mode: 'write' | 'read'): { error?: string; images?: number } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', child('openProject.ts'), file, mode], {
    encoding: 'utf8',
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

async function projectWithImages(t: Parameters<typeof tempProject>[0]): Promise<string> {
  const project = tempProject(t);
  const store = ProjectStore.create(project);
  store.addImages([sampleImage(1), sampleImage(2), sampleImage(3)]);
  store.close();
  chmodSync(join(project, '..'), 0o755); // mkdtemp folders are private to their owner
  return project;
}

test('a read-only project file: the writer gets one line, the study opens read-only', { skip: permissionsSkip }, async (t) => {
  const project = await projectWithImages(t);
  chmodSync(project, 0o444);
  const writer = openAsUser(project, 'write');
  assert.equal(writer.error, `${project}: the project file is read-only; open it read-only or make it writable`);
  assert.deepEqual(openAsUser(project, 'read'), { images: 3 });
  assert.equal(integrity(project), 'ok');
});

test(
  'a read-only folder: the writer gets one line, the study opens read-only (no WAL files can be made there)',
  { skip: permissionsSkip },
  async (t) => {
    const project = await projectWithImages(t);
    const dir = join(project, '..');
    chmodSync(project, 0o666);
    chmodSync(dir, 0o555);
    try {
      const writer = openAsUser(project, 'write');
      assert.match(writer.error!, /its folder is read-only/);
      assert.ok(writer.error!.startsWith(`${project}: `) && !writer.error!.includes('\n'));
      assert.deepEqual(openAsUser(project, 'read'), { images: 3 });
    } finally {
      chmodSync(dir, 0o755);
    }
    assert.equal(integrity(project), 'ok');
  },
);

test('a full disk: each write is refused with one line and rolled back; reads go on; the study reopens whole', async (t) => {
  const project = tempProject(t);
  const ws = Workspace.open(project, { create: true });
  const model = writeModel(join(project, '..', 'gap.onnx'), gapClassifier());
  const images = ['teal', 'olive'].map((colour) => join(project, '..', `${colour}.png`));
  for (const [i, colour] of ['teal', 'olive'].entries()) {
    await sharp({ create: { width: 20, height: 12, channels: 3, background: colour } })
      .png()
      .toFile(images[i]!);
  }
  const h = ws.handlers();
  await h['images.import']({ paths: images });
  const info = await h['models.add']({ path: model });
  const ids = ws.store.allImageIds();
  const runId = ws.store.createRun({ modelId: info.id, method: 'cam', layer: info.defaultLayer, target: 'top1', imageIds: ids });
  const marker = Float32Array.from({ length: 256 }, (_, i) => Math.sin(i));
  ws.store.recordResults(runId, [{ imageId: ids[0]!, maps: [{ classIndex: 0, width: 16, height: 16, values: marker }] }]);
  const before = storedMaps(project);

  // Simulated full disk: the store's own connection may not grow the file by a single page.
  const db = (ws.store as unknown as { db: Database.Database }).db;
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  const many = Array.from({ length: 2000 }, (_, i) => sampleImage(100 + i, { path: join(project, '..', `img${i}.png`) }));
  assert.throws(
    () => ws.store.addImages(many),
    (e: unknown) => e instanceof CamscopeError && e.message === `${project}: the disk is full; nothing was written (free some space and retry)`,
  );
  // What a run's batch meets: a map needing new pages (64 KiB) is refused and the run's count stays.
  const big = { classIndex: 0, width: 128, height: 128, values: new Float32Array(128 * 128).fill(0.5) };
  const fullDisk = (e: unknown) => e instanceof CamscopeError && /the disk is full; nothing was written/.test(e.message) && !e.message.includes('\n');
  assert.throws(() => ws.store.recordResults(runId, [{ imageId: ids[1]!, maps: [big] }]), fullDisk);
  assert.equal(ws.store.imageCount(), 2, 'nothing of the refused writes is visible');
  assert.equal(ws.store.getRun(runId)!.done, 1);
  assert.deepEqual([...ws.store.getMap(runId, ids[0]!)!.values], [...marker], 'reads go on');
  ws.close();

  assert.equal(integrity(project), 'ok');
  assert.deepEqual(storedMaps(project), before, 'the study reopens with everything it had');
});
