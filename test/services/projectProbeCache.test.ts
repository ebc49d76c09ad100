// The project's copy of the probe cache: a project opened where the user cache is empty (another machine or
// user) opens its models from what the project stored, without probing; a corrupt entry, or one that
// describes another graph, is ignored: the model is probed again and the entry rewritten.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Dataset } from '../../src-main/datasets/datasetTypes.js';
import { ProjectRecorder } from '../../src-main/evaluation/projectRecorder.js';
import { Explainer } from '../../src-main/explain/explainer.js';
import { ClassifierModel } from '../../src-main/model/classifierModel.js';
import { serializeProbe } from '../../src-main/onnx/probeCache.js';
import { Workspace } from '../../src-main/services/workspace.js';

const MODEL = 'models/shapes-gap.onnx';
const OTHER = 'test/fixtures/reference/shufflenet_v2_op13.onnx';

/** A fresh, empty CAMSCOPE_HOME for the rest of the test (a machine or user that never opened the model). */
function freshHome(t: TestContext): string {
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

function probeRows(project: string): { key: string; json: string }[] {
  const db = new Database(project, { readonly: true });
  try {
    return db.prepare('SELECT key, json FROM probe_cache').all() as { key: string; json: string }[];
  } finally {
    db.close();
  }
}

function setProbeRow(project: string, key: string, json: string): void {
  const db = new Database(project);
  try {
    db.prepare('UPDATE probe_cache SET json = ? WHERE key = ?').run(json, key);
  } finally {
    db.close();
  }
}

/** Adds the model to a new project and returns its class count. */
async function addModel(project: string): Promise<number> {
  const ws = Workspace.open(project, { create: true });
  try {
    return (await ws.handlers()['models.add']({ path: MODEL })).numClasses;
  } finally {
    ws.close();
  }
}

/** Opens the project as the app does (models.list opens each of its models) and returns the model's class count. */
async function reopen(project: string): Promise<number> {
  const ws = Workspace.open(project);
  try {
    const [model] = await ws.handlers()['models.list']({});
    return model!.numClasses;
  } finally {
    ws.close();
  }
}

function userEntries(home: string): string[] {
  try {
    return readdirSync(join(home, 'cache', 'probe')).map((f) => readFileSync(join(home, 'cache', 'probe', f), 'utf8'));
  } catch {
    return [];
  }
}

test('a model added to a project is opened elsewhere from the project copy, without probing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-probe-project-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const project = join(dir, 'study.camscope');
  freshHome(t);
  const classes = await addModel(project);
  const fresh = await ClassifierModel.open(MODEL, undefined, []);
  const rows = probeRows(project);
  assert.equal(rows.length, 1);
  assert.ok(rows[0]!.key.includes(fresh.sha256));
  assert.equal(rows[0]!.json, serializeProbe(fresh.probe), 'the project keeps what the probe learned');

  // Another user: empty user cache. An edited output shape in the project's entry shows up in the opened model,
  // so the model was built from the project's entry, not from a probe (which would say `classes`).
  const other = freshHome(t);
  const entry = JSON.parse(rows[0]!.json) as { shapes: [string, number[]][] };
  entry.shapes.find(([name]) => name === fresh.outputName)![1] = [2, 999];
  setProbeRow(project, rows[0]!.key, JSON.stringify(entry));
  assert.notEqual(classes, 999);
  assert.equal(await reopen(project), 999);
  assert.deepEqual(userEntries(other), [], 'the project answered first; the user cache is not consulted or filled');
});

test("a corrupt project entry, or one describing another model's graph, is ignored: probed again and rewritten", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-probe-project-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const project = join(dir, 'study.camscope');
  freshHome(t);
  const classes = await addModel(project);
  const [{ key, json: good }] = probeRows(project) as [{ key: string; json: string }];
  const other = serializeProbe((await ClassifierModel.open(OTHER, undefined, [])).probe);
  for (const bad of ['{not json', JSON.stringify({ shapes: [], types: [], producers: [], values: [], batch: 2 }), other]) {
    freshHome(t);
    setProbeRow(project, key, bad);
    assert.equal(await reopen(project), classes);
    assert.equal(probeRows(project)[0]!.json, good, 'rewritten with the fresh probe');
  }
});

test('camscope eval --project keeps the probe in the project too (its recorder registers the model)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-probe-project-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const project = join(dir, 'eval.camscope');
  freshHome(t);
  const explainer = await Explainer.open(MODEL, {}, []);
  t.after(() => explainer.close());
  const dataset: Dataset = { root: dir, format: 'folders', classNames: null, items: [], warnings: [], fingerprint: 'f' };
  const recorder = ProjectRecorder.open(project, dataset, []);
  const key = { dataset: 'f', images: 0, threshold: 0.2, labelOffset: 0, faithfulness: false };
  recorder.prepareRuns(explainer, ['gradcam'], explainer.model.defaultLayer(), key);
  recorder.store.close();
  assert.deepEqual(probeRows(project), [{ key: explainer.model.probeKey, json: serializeProbe(explainer.model.probe) }]);
});
