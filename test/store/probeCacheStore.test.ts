// The store's probe cache table: a project from before it (schema version 1) opens with its rows unchanged and
// gains the table; entries are found by key and handed to workers by model sha256; a read-only store keeps none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openProjectDatabase } from '../../src-main/store/database.js';
import { MIGRATIONS } from '../../src-main/store/migrations.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import { probeKey } from '../../src-main/onnx/probeCache.js';
import { rewindTo, sampleModel, sha, tempProject } from './storeFixtures.js';

const PROBE_CACHE_VERSION = MIGRATIONS.findIndex((m) => m.name === 'probe cache');

test('a project made before the probe cache opens unchanged and gains the table', (t) => {
  const file = tempProject(t);
  const old = openProjectDatabase(file, { create: true, migrations: MIGRATIONS.slice(0, PROBE_CACHE_VERSION) });
  old.close();
  const before = ProjectStore.open(file);
  // Store a model through the current store, then rewind: the file is a version-1 project with a model row.
  const id = before.addModel(sampleModel());
  const row = before.getModel(id);
  before.close();
  rewindTo(file, PROBE_CACHE_VERSION);

  const store = ProjectStore.open(file);
  t.after(() => store.close());
  assert.deepEqual(store.getModel(id), row, 'the old rows are unchanged');
  const cache = store.probeCache();
  assert.equal(cache.get('missing'), undefined);
  const key = probeKey(`${sampleModel().sha256}-0123456789abcdef`, [2, 3, 32, 32], 1);
  cache.set(key, '{"a":1}');
  assert.equal(cache.get(key), '{"a":1}');
  cache.set(key, '{"a":2}');
  assert.equal(cache.get(key), '{"a":2}', 'a rewrite replaces the entry');
});

test("probeEntries returns only that model's entries, and a read-only store ignores writes", (t) => {
  const file = tempProject(t);
  const store = ProjectStore.create(file);
  const keyA = probeKey(`${sha('a')}-0123456789abcdef`, [2, 3, 32, 32], 1);
  const keyA2 = probeKey(`${sha('a')}-0123456789abcdef`, [1, 3, 64, 64], undefined);
  const keyB = probeKey(`${sha('b')}-0123456789abcdef`, [2, 3, 32, 32], 1);
  store.probeCache().set(keyA, 'A');
  store.probeCache().set(keyA2, 'A2');
  store.probeCache().set(keyB, 'B');
  assert.deepEqual(
    store.probeEntries(sha('a')).sort(),
    [
      [keyA2, 'A2'],
      [keyA, 'A'],
    ].sort(),
  );
  assert.deepEqual(store.probeEntries('not-a-sha'), []);
  store.close();

  const ro = ProjectStore.open(file, { readonly: true });
  t.after(() => ro.close());
  assert.equal(ro.probeCache().get(keyB), 'B');
  ro.probeCache().set(keyB, 'changed');
  assert.equal(ro.probeCache().get(keyB), 'B');
});
