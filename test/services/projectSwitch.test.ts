// project.open / project.recent: switching the shell's project in place, the recent list in CAMSCOPE_HOME.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CamscopeError } from '../../src-main/errors.js';
import { lastProject, listRecent, rememberProject } from '../../src-main/services/recentProjects.js';
import { Workspace } from '../../src-main/services/workspace.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import { sampleImage } from '../store/storeFixtures.js';

function tempHome(t: { after: (fn: () => void) => void }): string {
  const home = mkdtempSync(join(tmpdir(), 'camscope-home-'));
  const before = process.env.CAMSCOPE_HOME;
  process.env.CAMSCOPE_HOME = home;
  t.after(() => {
    if (before === undefined) delete process.env.CAMSCOPE_HOME;
    else process.env.CAMSCOPE_HOME = before;
    rmSync(home, { recursive: true, force: true });
  });
  return home;
}

test('project.open switches the store in place, creates only when asked, and keeps the current project on failure', async (t) => {
  const home = tempHome(t);
  const a = join(home, 'a.camscope');
  const b = join(home, 'b.camscope');
  const ws = Workspace.open(a, { create: true });
  t.after(() => ws.close());
  ws.store.addImages([sampleImage(1), sampleImage(2)]);
  const h = ws.handlers();

  await assert.rejects(h['project.open']({ path: b }), CamscopeError, 'a missing project is not created unasked');
  assert.deepEqual(await h['project.open']({ path: b, create: true }), { path: b, images: 0, models: 0, runs: 0 });
  assert.equal((await h['project.info']({})).path, b);
  assert.equal(ws.store.file, b);

  // A project another writer holds cannot be opened; the shell stays on the current one.
  const c = join(home, 'c.camscope');
  const holder = ProjectStore.create(c);
  t.after(() => holder.close());
  await assert.rejects(h['project.open']({ path: c }));
  assert.equal((await h['project.info']({})).path, b);

  assert.deepEqual(await h['project.open']({ path: a }), { path: a, images: 2, models: 0, runs: 0 }, 'the first project, reopened');
  assert.deepEqual(await h['project.open']({ path: a }), { path: a, images: 2, models: 0, runs: 0 }, 'opening the open project changes nothing');
  const recent = await h['project.recent']({});
  assert.deepEqual(
    recent.map((r) => [r.path, r.exists]),
    [
      [a, true],
      [b, true],
    ],
  );
});

test('the recent list: most recent first, no duplicates, at most 12, and the last one that still exists', (t) => {
  const home = tempHome(t);
  assert.deepEqual(listRecent(), [], 'no file yet');
  assert.equal(lastProject(), null);
  for (let i = 0; i < 14; i++) rememberProject(join(home, `p${i}.camscope`), new Date(Date.UTC(2026, 0, 1 + i)));
  rememberProject(join(home, 'p5.camscope'), new Date(Date.UTC(2026, 1, 1)));
  const list = listRecent();
  assert.equal(list.length, 12);
  assert.deepEqual(
    list.slice(0, 3).map((r) => r.path),
    ['p5', 'p13', 'p12'].map((p) => join(home, `${p}.camscope`)),
  );
  assert.equal(list[0]!.openedAt, '2026-02-01T00:00:00.000Z');
  assert.equal(lastProject(), null, 'none of them exists');
  const real = join(home, 'p12.camscope');
  ProjectStore.create(real).close();
  assert.equal(lastProject(), real, 'p5 and p13 are missing, p12 exists');
});
