// SIGTERM/SIGINT to a serving workstation mid-run: it stops accepting, lets the running batch commit,
// releases the project lock and exits 0; a second signal exits at once. Nothing committed is lost
// either way, and the runs resume to the end when the project is opened again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { Workspace } from '../../src-main/services/workspace.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import { gapClassifier, writeModel } from '../helpers/tinyModels.js';
import { rawWebSocket } from '../helpers/rawWebSocket.js';
import { exited, tempProject } from '../store/storeFixtures.js';

const COUNT = 40; // 5 batches of 8, each message held back 150 ms by the slow worker

async function setup(t: Parameters<typeof tempProject>[0], count = COUNT) {
  const project = tempProject(t);
  const dir = join(project, '..');
  const images = join(dir, 'images');
  mkdirSync(images);
  for (let i = 0; i < count; i++) {
    await sharp({ create: { width: 24, height: 24, channels: 3, background: { r: (i * 41) % 256, g: 90, b: 250 - i * 5 } } })
      .png()
      .toFile(join(images, `i${String(i).padStart(2, '0')}.png`));
  }
  return { project, images, model: writeModel(join(dir, 'gap.onnx'), gapClassifier()) };
}

/** Starts the serving app; resolves once `batches` progress lines (committed batches) have been printed. */
function serveApp(
  t: Parameters<typeof tempProject>[0],
  args: string[],
  batches: number,
): Promise<{ app: ChildProcess; port: number; token: string; stderr: () => string }> {
  const app = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./children/serveApp.ts', import.meta.url)), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => app.kill('SIGKILL'));
  let stderr = '';
  app.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    let buffered = '';
    let seen = 0;
    let shell: { port: number; token: string } | null = null;
    app.stdout!.on('data', (d) => {
      buffered += d;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const msg = JSON.parse(line) as { done?: number; port?: number; token?: string };
        if (msg.port) shell = { port: msg.port, token: msg.token! };
        if (msg.done !== undefined) seen++;
        if (shell && seen >= batches) resolve({ app, ...shell, stderr: () => stderr });
      }
    });
    app.once('exit', () => reject(new Error(`the app ended early: ${stderr}`)));
  });
}

function runsOf(project: string) {
  const store = ProjectStore.open(project, { readonly: true });
  try {
    return store.listRuns().map((r) => ({ status: r.status, done: r.done, maps: store.allImageIds().filter((id) => store.getMap(r.id, id)).length }));
  } finally {
    store.close();
  }
}

const integrity = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true });
  } finally {
    db.close();
  }
};

test('SIGTERM mid-run: sockets get 1001, the batch in hand commits, the lock is released, exit 0, runs resume', async (t) => {
  const { project, images, model } = await setup(t);
  const { app, port, token, stderr } = await serveApp(t, [project, images, model], 1);
  const socket = await rawWebSocket(port, token);
  app.kill('SIGTERM');
  assert.deepEqual(await socket.closed, { code: 1001, reason: 'camscope is shutting down' });
  const { code, signal } = await exited(app);
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, stderr());
  assert.match(stderr(), /SIGTERM: finishing the running batches/);
  assert.match(stderr(), /stopped; the project is closed and unfinished runs resume when it is opened again\n$/);
  assert.equal(integrity(project), 'ok');
  const stopped = runsOf(project);
  for (const r of stopped) {
    assert.equal(r.status, 'running', 'left to resume');
    assert.equal(r.done, r.maps, 'done counts exactly the stored maps');
    assert.ok(r.done >= 8 && r.done < COUNT, `stopped mid-run with whole batches kept (${r.done})`);
  }

  // The lock is free: a writer opens the project at once and finishes the runs.
  const ws = Workspace.open(project);
  try {
    assert.equal(ws.store.crashedWriter, null, 'a clean stop leaves no crashed-writer record');
    const finished = new Promise<void>((resolve) => ws.onEvent((e) => e === 'run.finished' && resolve()));
    ws.resumeInterrupted();
    await finished;
  } finally {
    ws.close();
  }
  assert.deepEqual(
    runsOf(project).map((r) => [r.status, r.done, r.maps]),
    [
      ['done', COUNT, COUNT],
      ['done', COUNT, COUNT],
    ],
  );
});

test('a second signal exits at once; what was committed stays whole', async (t) => {
  // 15 batches of 150 ms: the run is still going when the signals come, so the graceful stop has a batch to wait for.
  const { project, images, model } = await setup(t, 120);
  const { app, stderr } = await serveApp(t, [project, images, model], 1);
  app.kill('SIGINT');
  // The second one as soon as the first is acknowledged, while the batch in hand is still being finished.
  while (!/SIGINT: finishing the running batches/.test(stderr())) await new Promise((r) => setTimeout(r, 5));
  assert.doesNotMatch(stderr(), /stopped;/);
  app.kill('SIGINT');
  const { code } = await exited(app);
  assert.equal(code, 130, stderr());
  assert.match(stderr(), /SIGINT again: stopping now \(committed batches are kept\)/);
  assert.equal(integrity(project), 'ok');
  for (const r of runsOf(project)) assert.equal(r.done, r.maps);
});
