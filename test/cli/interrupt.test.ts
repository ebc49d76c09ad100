// Ctrl-C during the CLI's long commands: eval commits the batch in hand, says in one line how much is
// stored and that a rerun resumes, and the rerun's summary equals an uninterrupted run's; an
// interrupted import writes nothing half-way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CamscopeError } from '../../src-main/errors.js';
import { Workspace } from '../../src-main/services/workspace.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import { DEMO_MODEL, writeDemoDataset } from '../evaluation/evalFixtures.js';
import { runCli } from '../helpers/cli.js';

test('SIGINT during eval: exit 130, one line saying what is stored and that a rerun resumes; the rerun matches a clean run', async () => {
  const root = mkdtempSync(join(tmpdir(), 'camscope-interrupt-'));
  writeDemoDataset(root);
  const count = 4; // one image per batch, with the faithfulness metrics: slow enough to interrupt
  const args = (project: string, json: string) => [
    'eval',
    '--model',
    DEMO_MODEL,
    '--dataset',
    root,
    '--project',
    project,
    '--limit',
    String(count),
    '--batch',
    '1',
    '--bootstrap',
    '0',
    '--json',
    json,
  ];
  const project = join(root, 'p.camscope');

  const child = spawn(process.execPath, ['bin/camscope.mjs', ...args(project, join(root, 'interrupted.json'))], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let signalled = false;
  child.stderr!.on('data', (d) => {
    stderr += d;
    // The first progress line follows the first committed batch.
    if (!signalled && /\d+\/\d+ images/.test(stderr)) {
      signalled = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  assert.equal(code, 130, stderr);
  const lines = stderr.trim().split(/[\r\n]+/);
  assert.equal(lines.filter((l) => /^camscope: SIGINT: finishing the batch in hand, then stopping/.test(l)).length, 1);
  const m = /^camscope: interrupted: (\d+) of (\d+) images are stored in (.+); rerun the same command to resume$/.exec(lines.at(-1)!);
  assert.ok(m, lines.at(-1));
  assert.equal(Number(m[2]), count);
  assert.equal(m[3], project);
  const stored = Number(m[1]);
  assert.ok(stored >= 1 && stored < count, `stopped mid-way (${stored})`);

  const store = ProjectStore.open(project, { readonly: true });
  for (const run of store.listRuns()) assert.deepEqual([run.status, run.done], ['cancelled', stored], 'the line tells the truth');
  store.close();

  const resumed = await runCli(args(project, join(root, 'resumed.json')));
  assert.equal(resumed.code, 0, resumed.stderr);
  const clean = await runCli(args(join(root, 'clean.camscope'), join(root, 'clean.json')));
  assert.equal(clean.code, 0, clean.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(root, 'resumed.json'), 'utf8')), JSON.parse(readFileSync(join(root, 'clean.json'), 'utf8')));
});

test('an import interrupted while reading the dataset writes nothing and says so; the rerun imports everything', async () => {
  const root = mkdtempSync(join(tmpdir(), 'camscope-interrupt-import-'));
  const count = writeDemoDataset(root).length;
  const ws = Workspace.open(join(root, 'p.camscope'), { create: true });
  try {
    const controller = new AbortController();
    await assert.rejects(
      ws.importDataset(root, { onProgress: (done) => done === 3 && controller.abort(), signal: controller.signal }),
      (e: unknown) =>
        e instanceof CamscopeError &&
        e.exitCode === 130 &&
        /^interrupted while reading image sizes \(\d+ of 9\); nothing was written$/.test(e.message),
    );
    assert.equal(ws.store.imageCount(), 0);
    assert.equal((await ws.importDataset(root)).imported.added, count);
  } finally {
    ws.close();
  }
});
