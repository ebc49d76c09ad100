// `camscope eval --project` with a label offset keeps the labels in the dataset's own numbering and records the offset in
// the datasets table, as the app does, so the project opened in the app finds the same true classes and correct images
// as eval computed; a project an older eval wrote (labels stored shifted, no offset) reads the same, and a rerun puts
// its labels back in the dataset's numbering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { Workspace } from '../../src-main/services/workspace.js';
import type { EvaluationSummary } from '../../src-shared/evaluationTypes.js';
import { runCli } from '../helpers/cli.js';
import { DEMO_MODEL, writeDemoDataset } from './evalFixtures.js';

const OFFSET = 1;

/** The demo dataset numbered one below the model's logits (class i = logit i + 1); the odd cross is labelled 0 (logit 1, square). */
function offsetDataset(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-eval-offset-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const images = writeDemoDataset(join(dir, 'ds')).map((im) => ({ ...im, label: im.id.startsWith('images/c/') ? 0 : im.label - OFFSET }));
  writeFileSync(join(dir, 'ds', 'class_labels.txt'), images.map((im) => `${im.id},${im.label}`).join('\n') + '\n');
  return { dir, images, project: join(dir, 'study.camscope') };
}

async function evalProject(dir: string, project: string, json: string) {
  const args = ['eval', '--model', DEMO_MODEL, '--dataset', join(dir, 'ds'), '--methods', 'cam,gradcam', '--no-faithfulness'];
  const cli = await runCli([...args, '--label-offset', String(OFFSET), '--project', project, '--json', json]);
  assert.equal(cli.code, 0, cli.stderr);
  return JSON.parse(readFileSync(json, 'utf8')) as EvaluationSummary;
}

/** What the app shows: each image's stored label and true class under the model, the correct filter, and report.export's summary. */
async function appView(project: string, out: string) {
  const ws = Workspace.open(project);
  try {
    const h = ws.handlers();
    const [model] = await h['models.list']({});
    const query = async (filters: object) =>
      (await h['images.query']({ offset: 0, limit: 100, filters, sort: 'id', order: 'asc', modelId: model!.id })).rows;
    const rows = await query({});
    const correct = (await query({ correct: true })).map((r) => r.path);
    const runIds = ws.store.listRuns().map((r) => r.id);
    const { files } = await h['report.export']({ runIds, formats: ['json'], out });
    return {
      labels: new Map(rows.map((r) => [r.path, [r.gtLabel, r.gtClass]])),
      correct,
      datasets: ws.store.listDatasets(),
      summary: JSON.parse(readFileSync(files[0]!, 'utf8')) as EvaluationSummary,
    };
  } finally {
    ws.close();
  }
}

test('eval --project --label-offset 1 stores dataset-numbered labels and the offset; the app agrees with eval', { timeout: 240_000 }, async (t) => {
  const { dir, images, project } = offsetDataset(t);
  const summary = await evalProject(dir, project, join(dir, 'eval.json'));
  const app = await appView(project, join(dir, 'report'));

  assert.deepEqual(app.datasets, [{ name: 'ds', images: images.length, labelOffset: OFFSET }], 'the offset recorded (the model default is 0)');
  assert.deepEqual(
    app.labels,
    new Map(images.map((im) => [im.path, [im.label, im.label + OFFSET]])),
    "labels in the dataset's numbering, true classes as logits",
  );
  // 8 of the 9 are predicted right under offset 1 (the cross labelled 0 is not); under offset 0 none would be.
  assert.ok(Math.abs(summary.accuracy! - (100 * 8) / 9) < 1e-9, String(summary.accuracy));
  assert.equal(app.correct.length, 8);
  assert.ok(!app.correct.some((p) => p.includes('/images/c/')));
  assert.deepEqual(app.summary, summary, "report.export's summary is eval's");
});

test(
  'a project an older eval wrote (labels shifted, no offset) reads the same, and a rerun stores them unshifted',
  { timeout: 240_000 },
  async (t) => {
    const { dir, images, project } = offsetDataset(t);
    const summary = await evalProject(dir, project, join(dir, 'eval.json'));
    // As eval wrote it before dataset label offsets: labels + the offset, the dataset with none, the model's offset 0.
    const db = new Database(project);
    db.exec(
      `UPDATE images SET gt_label = gt_label + ${OFFSET}; UPDATE gt_boxes SET label = label + ${OFFSET}; UPDATE datasets SET label_offset = NULL;`,
    );
    db.close();

    const old = await appView(project, join(dir, 'report-old'));
    assert.deepEqual(old.datasets, [{ name: 'ds', images: images.length, labelOffset: null }]);
    assert.deepEqual(old.labels, new Map(images.map((im) => [im.path, [im.label + OFFSET, im.label + OFFSET]])));
    assert.equal(old.correct.length, 8);
    assert.deepEqual(old.summary, summary, 'the old project opens with its meaning');

    const again = await evalProject(dir, project, join(dir, 'eval-again.json'));
    assert.deepEqual(again, summary, 'the rerun reads the stored evaluation back');
    const fixed = await appView(project, join(dir, 'report-fixed'));
    assert.deepEqual(fixed.datasets, [{ name: 'ds', images: images.length, labelOffset: OFFSET }]);
    assert.deepEqual(fixed.labels, new Map(images.map((im) => [im.path, [im.label, im.label + OFFSET]])), 'back in the dataset numbering');
    const ws = Workspace.open(project);
    try {
      const boxLabels = ws.store.allImageIds().flatMap((id) => ws.store.getImage(id)!.gtBoxes.map((b) => b.label));
      assert.deepEqual(new Set(boxLabels), new Set(images.map((im) => im.label)), 'the boxes follow their image');
    } finally {
      ws.close();
    }
    assert.equal(fixed.correct.length, 8);
    assert.deepEqual(fixed.summary, summary);
  },
);

test('merge keeps the label offset its shards recorded', { timeout: 240_000 }, async (t) => {
  const { dir, images } = offsetDataset(t);
  const args = [
    'eval',
    '--model',
    DEMO_MODEL,
    '--dataset',
    join(dir, 'ds'),
    '--methods',
    'gradcam',
    '--no-faithfulness',
    '--label-offset',
    String(OFFSET),
  ];
  for (const k of [1, 2]) {
    const r = await runCli([...args, '--shard', `${k}/2`, '--project', join(dir, `s${k}.camscope`)]);
    assert.equal(r.code, 0, r.stderr);
  }
  const merged = join(dir, 'merged.camscope');
  const r = await runCli(['merge', merged, join(dir, 's1.camscope'), join(dir, 's2.camscope')]);
  assert.equal(r.code, 0, r.stderr);
  const app = await appView(merged, join(dir, 'report'));
  assert.deepEqual(app.datasets, [{ name: 'ds', images: images.length, labelOffset: OFFSET }]);
  assert.equal(app.correct.length, 8, 'the same true classes as the shards');
});
