// bootWorkstation, the one start-up both shells use: which project opens (asked > last opened; created when
// missing), that it becomes the most recent, that the shell gets the workspace's handlers, images and events,
// that interrupted runs resume, and that a shell failing to start leaves no project open.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventName, EventPayload } from '../../src-shared/ipc.js';
import { listRecent, rememberProject } from '../../src-main/services/recentProjects.js';
import { bootWorkstation } from '../../src-main/services/workstation.js';
import type { Handlers } from '../../src-main/services/router.js';
import type { ImageSource } from '../../src-main/services/images.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import { sampleImage, sampleModel } from '../store/storeFixtures.js';

function tempHome(t: TestContext): string {
  const home = mkdtempSync(join(tmpdir(), 'camscope-boot-'));
  const before = process.env.CAMSCOPE_HOME;
  process.env.CAMSCOPE_HOME = home;
  t.after(() => {
    if (before === undefined) delete process.env.CAMSCOPE_HOME;
    else process.env.CAMSCOPE_HOME = before;
    rmSync(home, { recursive: true, force: true });
  });
  return home;
}

/** A shell that records what it was given and every event pushed to it. */
function fakeShell() {
  const events: { event: EventName; payload: unknown }[] = [];
  const given: { handlers?: Handlers; images?: ImageSource } = {};
  return {
    events,
    given,
    start: async (services: { handlers: Handlers; images: ImageSource }) => {
      Object.assign(given, services);
      return { emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void events.push({ event, payload }) };
    },
  };
}

test('the project asked for opens (created when missing) and becomes the most recent; without one, the last opened', async (t) => {
  const home = tempHome(t);
  const asked = join(home, 'new.camscope');
  const shell = fakeShell();
  const first = await bootWorkstation({ project: asked, appRoot: home, startShell: shell.start });
  assert.ok(existsSync(asked), 'created');
  assert.equal(first.workspace.store.file, asked);
  assert.equal(listRecent()[0]!.path, asked);
  assert.deepEqual(await shell.given.handlers!['project.info']({}), { path: asked, images: 0, models: 0, runs: 0 });
  assert.equal(await shell.given.images!.image(1, 'thumb'), null, 'the shell serves the workspace images');
  first.workspace.close();

  const other = join(home, 'other.camscope');
  ProjectStore.create(other).close();
  rememberProject(other);
  rememberProject(asked);
  const again = await bootWorkstation({ appRoot: home, startShell: fakeShell().start });
  t.after(() => again.workspace.close());
  assert.equal(again.workspace.store.file, asked, 'the last one opened');
});

test('interrupted runs resume at boot and their events reach the shell', async (t) => {
  const home = tempHome(t);
  const file = join(home, 'p.camscope');
  const store = ProjectStore.create(file);
  const ids = store.addImages([sampleImage(1), sampleImage(2)]).ids;
  const runId = store.createRun({ modelId: store.addModel(sampleModel()), method: 'cam', layer: 'features.3', target: 'top1', imageIds: ids });
  store.startRun(runId);
  store.close();
  // A worker that takes its job and stops: the resumed run ends failed, which the shell hears.
  const script = join(home, 'stop.mjs');
  writeFileSync(script, "process.once('message', () => process.exit(0));\n");
  const shell = fakeShell();
  const { workspace } = await bootWorkstation({ project: file, appRoot: home, worker: { script, execArgv: [] }, startShell: shell.start });
  t.after(() => workspace.close());
  while (!shell.events.some((e) => e.event === 'run.finished')) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(shell.events.find((e) => e.event === 'run.finished')!.payload, {
    runIds: [runId],
    status: 'failed',
    error: 'the explain process stopped (exit 0)',
  });
  assert.equal(workspace.store.getRun(runId)!.status, 'failed');
});

test('a shell that fails to start leaves the project closed (its writer lock released)', async (t) => {
  const home = tempHome(t);
  const file = join(home, 'p.camscope');
  await assert.rejects(
    bootWorkstation({ project: file, appRoot: home, startShell: async () => Promise.reject(new Error('port in use')) }),
    /port in use/,
  );
  ProjectStore.open(file).close();
});
