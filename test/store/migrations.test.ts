// Opening project files: new and old files reach the latest schema; too-new, foreign and non-SQLite files are refused untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { CamscopeError } from '../../src-main/errors.js';
import { openProjectDatabase } from '../../src-main/store/database.js';
import { APPLICATION_ID, MIGRATIONS, type Migration } from '../../src-main/store/migrations.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import { sampleImage, tempProject } from './storeFixtures.js';

const LATEST = MIGRATIONS.length;

function header(file: string): { version: number; appId: number; journal: string } {
  const db = new Database(file, { readonly: true });
  try {
    return {
      version: db.pragma('user_version', { simple: true }) as number,
      appId: db.pragma('application_id', { simple: true }) as number,
      journal: db.pragma('journal_mode', { simple: true }) as string,
    };
  } finally {
    db.close();
  }
}

/** Asserts that fn throws a one-line CamscopeError naming file and matching re, and that file is untouched. */
function assertRefused(file: string, fn: () => unknown, re: RegExp): void {
  const before = readFileSync(file);
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CamscopeError, `not a CamscopeError: ${e}`);
    assert.ok(!e.message.includes('\n'), `not one line: ${e.message}`);
    assert.ok(e.message.includes(file), `does not name ${file}: ${e.message}`);
    assert.match(e.message, re);
    return true;
  });
  assert.deepEqual(readFileSync(file), before, 'the refused file was modified');
}

test('a fresh project gets the latest schema version, the camscope application id, WAL and foreign keys', (t) => {
  const file = tempProject(t);
  ProjectStore.create(file).close();
  assert.deepEqual(header(file), { version: LATEST, appId: APPLICATION_ID, journal: 'wal' });
  const db = openProjectDatabase(file);
  try {
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    assert.ok((db.pragma('busy_timeout', { simple: true }) as number) > 0);
  } finally {
    db.close();
  }
});

test('create refuses an existing project, open refuses a missing file, and neither leaves a lock file', (t) => {
  const file = tempProject(t);
  assert.throws(() => ProjectStore.open(file), /no such project file/);
  assert.throws(() => ProjectStore.open(file, { readonly: true }), /no such project file/);
  assert.equal(existsSync(`${file}.lock`), false);
  ProjectStore.create(file).close();
  assertRefused(file, () => ProjectStore.create(file), /already exists/);
});

test('an empty file and an empty SQLite database are adopted as new projects', (t) => {
  const empty = tempProject(t, 'empty.camscope');
  writeFileSync(empty, '');
  ProjectStore.open(empty).close();
  assert.equal(header(empty).version, LATEST);

  const blank = tempProject(t, 'blank.camscope');
  new Database(blank).exec('CREATE TABLE t (x); DROP TABLE t;');
  ProjectStore.open(blank).close();
  assert.deepEqual(header(blank), { version: LATEST, appId: APPLICATION_ID, journal: 'wal' });
});

test('a file at an older schema version is migrated in place, keeping its rows', (t) => {
  const file = tempProject(t);
  const v1 = openProjectDatabase(file, { create: true, migrations: MIGRATIONS.slice(0, LATEST) });
  v1.prepare("INSERT INTO images (path, sha256, width, height, added_at) VALUES ('a.png', ?, 4, 3, 'then')").run(sampleImage(0).sha256);
  v1.close();
  const next: Migration = { name: 'image notes', sql: 'ALTER TABLE images ADD COLUMN note TEXT; CREATE INDEX images_note ON images (note);' };
  const db = openProjectDatabase(file, { migrations: [...MIGRATIONS, next] });
  try {
    assert.equal(db.pragma('user_version', { simple: true }), LATEST + 1);
    assert.deepEqual(db.prepare('SELECT path, width, height, note FROM images').all(), [{ path: 'a.png', width: 4, height: 3, note: null }]);
  } finally {
    db.close();
  }
});

test('a failing migration rolls back whole: the version and the schema stay as they were', (t) => {
  const file = tempProject(t);
  ProjectStore.create(file).close();
  const bad: Migration = { name: 'broken step', sql: 'CREATE TABLE extra (x); INSERT INTO no_such_table VALUES (1);' };
  assert.throws(
    () => openProjectDatabase(file, { migrations: [...MIGRATIONS, bad] }),
    (e: unknown) => {
      assert.ok(e instanceof CamscopeError);
      assert.match(e.message, new RegExp(`schema version ${LATEST + 1} \\(broken step\\)`));
      return true;
    },
  );
  const db = new Database(file, { readonly: true });
  try {
    assert.equal(db.pragma('user_version', { simple: true }), LATEST);
    assert.equal(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'extra'").pluck().get(), 0);
  } finally {
    db.close();
  }
});

test('a file from a newer camscope is refused, for writing and reading, and left unchanged', (t) => {
  const file = tempProject(t);
  const store = ProjectStore.create(file);
  store.addImages([sampleImage(1)]);
  store.close();
  const raw = new Database(file);
  raw.pragma(`user_version = ${LATEST + 1}`);
  raw.pragma('journal_mode = DELETE'); // a single file, so comparing its bytes covers everything
  raw.close();
  assertRefused(
    file,
    () => ProjectStore.open(file),
    new RegExp(`newer camscope \\(schema version ${LATEST + 1}; this version reads up to ${LATEST}\\)`),
  );
  assertRefused(file, () => ProjectStore.open(file, { readonly: true }), /newer camscope/);
});

test('a file that is not SQLite is refused with a one-line error naming it, and gets no lock file', (t) => {
  const file = tempProject(t, 'random.camscope');
  writeFileSync(file, randomBytes(8192));
  assertRefused(file, () => ProjectStore.open(file), /not a camscope project \(not an SQLite database\)/);
  assertRefused(file, () => ProjectStore.open(file, { readonly: true }), /not an SQLite database/);
  assert.equal(existsSync(`${file}.lock`), false);

  const short = tempProject(t, 'short.camscope');
  writeFileSync(short, 'SQLite');
  assertRefused(short, () => ProjectStore.open(short), /not an SQLite database/);
});

test("another application's SQLite database is refused and left unchanged", (t) => {
  const file = tempProject(t, 'other.db');
  const db = new Database(file);
  db.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me');");
  db.close();
  assertRefused(file, () => ProjectStore.open(file), /an SQLite database of another application/);
});

test('a project at an older version cannot be opened read-only (upgrading needs a writer)', (t) => {
  const file = tempProject(t);
  new Database(file).exec('CREATE TABLE t (x); DROP TABLE t;');
  assertRefused(file, () => ProjectStore.open(file, { readonly: true }), /needs upgrading/);
});
