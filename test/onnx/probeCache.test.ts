// The probe cache: a second open of the same model reads what the first probe learned (by sha256 and
// input dims) and gets the same shapes and values; a corrupt entry is re-probed and rewritten.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassifierModel } from '../../src-main/model/classifierModel.js';
import { type ProbeCache, userProbeCache } from '../../src-main/onnx/probeCache.js';

// ShuffleNetV2's channel shuffle computes reshape targets at run time: the cache must keep those values.
const MODEL = 'test/fixtures/reference/shufflenet_v2_op13.onnx';
const size = () => undefined; // the fixture's input is 96×96

function memoryCache(): ProbeCache & { entries: Map<string, string>; reads: number } {
  const entries = new Map<string, string>();
  const c = {
    entries,
    reads: 0,
    get: (k: string) => (c.reads++, entries.get(k)),
    set: (k: string, v: string) => void entries.set(k, v),
  };
  return c;
}

test('the second open reads the cache and learns exactly what the probe learned', async () => {
  const fresh = await ClassifierModel.open(MODEL, size, []);
  assert.ok(fresh.probe.values.size > 0, 'the fixture has run-time shape values');
  const cache = memoryCache();
  await ClassifierModel.open(MODEL, size, [cache]);
  assert.equal(cache.entries.size, 1);
  const [key] = cache.entries.keys();
  assert.ok(key!.includes(fresh.sha256) && key!.includes('2x3x96x96-b1'), key);
  // Proof the entry is what the model is built from: a different shape in it shows up in the model.
  const entry = JSON.parse(cache.entries.get(key!)!);
  const cached = await ClassifierModel.open(MODEL, size, [cache]);
  assert.deepEqual(cached.probe.shapes, fresh.probe.shapes);
  assert.deepEqual(cached.probe.values, fresh.probe.values);
  assert.deepEqual(cached.probe.producers, fresh.probe.producers);
  assert.deepEqual(cached.probe.types, fresh.probe.types);
  assert.equal(cached.probe.batch, fresh.probe.batch);
  assert.deepEqual(cached.layerCandidates(), fresh.layerCandidates());
  entry.shapes.find((s: [string, number[]]) => s[0] === fresh.outputName)[1] = [2, 999];
  cache.entries.set(key!, JSON.stringify(entry));
  assert.equal((await ClassifierModel.open(MODEL, size, [cache])).numClasses, 999);
});

test('a corrupt or malformed entry is ignored: the model is probed again and the entry rewritten', async () => {
  const fresh = await ClassifierModel.open(MODEL, size, []);
  for (const bad of [
    '{not json',
    JSON.stringify({ shapes: 'no', types: [], producers: [], values: [], batch: 2 }),
    JSON.stringify({ shapes: [['x', [1.5]]], types: [], producers: [], values: [], batch: 2 }),
  ]) {
    const cache = memoryCache();
    await ClassifierModel.open(MODEL, size, [cache]);
    const [key] = cache.entries.keys();
    cache.entries.set(key!, bad);
    const m = await ClassifierModel.open(MODEL, size, [cache]);
    assert.deepEqual(m.probe.shapes, fresh.probe.shapes);
    assert.notEqual(cache.entries.get(key!), bad, 'rewritten');
  }
});

test('the user cache lives under CAMSCOPE_HOME and fills only caches that missed', async () => {
  const home = mkdtempSync(join(tmpdir(), 'camscope-home-'));
  const user = userProbeCache(home);
  const project = memoryCache();
  await ClassifierModel.open(MODEL, size, [project, user]);
  const files = readdirSync(join(home, 'cache', 'probe'));
  assert.equal(files.length, 1);
  assert.equal(readFileSync(join(home, 'cache', 'probe', files[0]!), 'utf8'), [...project.entries.values()][0]);
  // The project entry is found first; the user cache is not read or written again.
  writeFileSync(join(home, 'cache', 'probe', files[0]!), 'stale');
  await ClassifierModel.open(MODEL, size, [project, user]);
  assert.equal(readFileSync(join(home, 'cache', 'probe', files[0]!), 'utf8'), 'stale');
  // An unwritable home costs a probe, not an error.
  const unwritable = userProbeCache(join(home, 'cache', 'probe', files[0]!, 'below-a-file'));
  await ClassifierModel.open(MODEL, size, [unwritable]);
});
