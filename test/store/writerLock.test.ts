// One writer per project: a second writer is told who holds it, readers pass, a dead holder's lock is taken over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { CamscopeError } from '../../src-main/errors.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import { deadPid, exited, ready, sampleImage, spawnWithStore, tempProject } from './storeFixtures.js';

function holderRow(file: string): { pid: number; host: string; since: string } | undefined {
  const db = new Database(`${file}.lock`, { readonly: true });
  try {
    return db.prepare('SELECT pid, host, since FROM holder').get() as { pid: number; host: string; since: string } | undefined;
  } finally {
    db.close();
  }
}

function assertHeldBy(fn: () => unknown, file: string, pid: number): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CamscopeError, String(e));
    assert.ok(!e.message.includes('\n'));
    assert.ok(e.message.startsWith(`${file}: already open for writing by pid ${pid} on ${hostname()} since 20`), e.message);
    return true;
  });
}

test('a second writer in the same process is refused with pid, host and time, and succeeds after close', (t) => {
  const file = tempProject(t);
  const first = ProjectStore.create(file);
  assertHeldBy(() => ProjectStore.open(file), file, process.pid);
  assert.throws(() => ProjectStore.open(file), /\(this process\)/);
  first.close();
  const second = ProjectStore.open(file);
  assert.equal(second.readonly, false);
  second.close();
  assert.equal(holderRow(file), undefined, 'a clean close clears the holder row');
});

test('read-only opens need no lock and see what the writer has committed', (t) => {
  const file = tempProject(t);
  const writer = ProjectStore.create(file);
  t.after(() => writer.close());
  writer.addImages([sampleImage(1)]);
  const reader = ProjectStore.open(file, { readonly: true });
  assert.equal(reader.imageCount(), 1);
  writer.addImages([sampleImage(2)]);
  assert.equal(reader.imageCount(), 2);
  assert.throws(() => reader.addImages([sampleImage(3)]), /opened read-only/);
  reader.close();
});

test('a holder row left by a dead process is taken over', (t) => {
  const file = tempProject(t);
  ProjectStore.create(file).close();
  const pid = deadPid();
  const lock = new Database(`${file}.lock`);
  lock.prepare("INSERT INTO holder (id, pid, host, since, token) VALUES (1, ?, ?, '2020-01-01T00:00:00.000Z', 'gone')").run(pid, hostname());
  lock.close();
  const store = ProjectStore.open(file);
  t.after(() => store.close());
  const row = holderRow(file)!;
  assert.equal(row.pid, process.pid);
  assert.deepEqual(store.crashedWriter, { pid, host: hostname(), since: '2020-01-01T00:00:00.000Z' });
  assert.notEqual(row.since, '2020-01-01T00:00:00.000Z');
});

test('another process holding the project is named; once it closes, the project opens', async (t) => {
  const file = tempProject(t);
  ProjectStore.create(file).close();
  const child = spawnWithStore(file);
  t.after(() => child.kill('SIGKILL'));
  await ready(child);
  assertHeldBy(() => ProjectStore.open(file), file, child.pid!);
  const reader = ProjectStore.open(file, { readonly: true });
  reader.close();
  child.stdin!.write('close\n');
  assert.equal((await exited(child)).code, 0);
  ProjectStore.open(file).close();
});

test('a process killed while holding the project leaves a lock that is taken over', async (t) => {
  const file = tempProject(t);
  ProjectStore.create(file).close();
  const child = spawnWithStore(file);
  t.after(() => child.kill('SIGKILL'));
  await ready(child);
  assertHeldBy(() => ProjectStore.open(file), file, child.pid!);
  child.kill('SIGKILL');
  await exited(child);
  assert.equal(holderRow(file)!.pid, child.pid, 'the dead holder row is still there');
  const store = ProjectStore.open(file);
  assert.equal(holderRow(file)!.pid, process.pid);
  assert.equal(store.crashedWriter?.pid, child.pid);
  store.close();
  const next = ProjectStore.open(file);
  assert.equal(next.crashedWriter, null, 'a clean close leaves nothing to report');
  next.close();
});
