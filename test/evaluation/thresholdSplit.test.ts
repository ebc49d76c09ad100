// The wsolevaluation protocol (Choe et al. 2020): thresholds chosen on a held-out split, applied to the
// test split — by hand on made-up curves, then end to end with `camscope eval --threshold-split`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { DEMO_MODEL, writeDemoDataset } from './evalFixtures.js';
import { applyHeldOutThreshold } from '../../src-main/evaluation/thresholdSplit.js';
import type { MaxBoxAccResult } from '../../src-main/evaluation/metrics/index.js';
import type { EvaluationSummary } from '../../src-shared/evaluationTypes.js';

/** A BoxEvaluator result over thresholds 0, .25, .5, .75 from accuracy rows per δ (30, 50, 70). */
function result(largest: number[][], all: number[][]): MaxBoxAccResult {
  const curves = (rows: number[][]) =>
    rows.map((accuracy, d) => ({
      iouThreshold: [30, 50, 70][d]!,
      accuracy,
      best: Math.max(...accuracy),
      bestThreshold: 0.25 * accuracy.indexOf(Math.max(...accuracy)),
    }));
  const largestContour = curves(largest);
  const allContours = curves(all);
  return {
    images: 4,
    thresholds: [0, 0.25, 0.5, 0.75],
    v1: largestContour[1]!.best,
    v2: allContours.reduce((s, c) => s + c.best, 0) / 3,
    largestContour,
    allContours,
  };
}

test("by hand: V1 at the held-out best threshold of δ 50, V2 at each δ's held-out best; first maximum on ties", () => {
  const heldOut = result(
    [
      [0, 0, 0, 0],
      [25, 50, 75, 75],
      [0, 0, 0, 0],
    ], // δ 50 best at 0.5 (the first of the two 75s)
    [
      [100, 50, 50, 0],
      [0, 25, 25, 50],
      [0, 0, 0, 0],
    ], // bests at 0, 0.75, and 0 (all equal)
  );
  const testSplit = result(
    [
      [0, 0, 0, 0],
      [75, 50, 25, 100],
      [0, 0, 0, 0],
    ],
    [
      [10, 20, 30, 40],
      [50, 60, 70, 80],
      [90, 80, 70, 60],
    ],
  );
  const r = applyHeldOutThreshold(heldOut, testSplit);
  assert.equal(r.threshold, 0.5);
  assert.equal(r.maxboxacc, 25); // test δ 50 at 0.5, not its best 100
  assert.deepEqual(r.thresholds_v2, [0, 0.75, 0]);
  assert.equal(r.maxboxacc_v2, (10 + 80 + 90) / 3);
  assert.deepEqual(r.best_on_test, { maxboxacc: 100, maxboxacc_v2: (40 + 80 + 90) / 3 });
});

test('camscope eval --split test --threshold-split val: the held-out thresholds applied to test, next to best-on-test', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-protocol-'));
  const root = join(dir, 'ds');
  // One demo dataset, split by folder: images/a → val (train-fullsup), images/b and c → test.
  writeDemoDataset(root);
  for (const split of ['val', 'test']) {
    mkdirSync(join(root, 'metadata', split), { recursive: true });
    for (const f of ['image_ids.txt', 'class_labels.txt', 'localization.txt']) {
      const lines = readFileSync(join(root, f), 'utf8').trimEnd().split('\n');
      const mine = lines.filter((l) => (split === 'val') === l.startsWith('images/a/'));
      writeFileSync(join(root, 'metadata', split, f), mine.join('\n') + '\n');
    }
  }
  for (const f of ['image_ids.txt', 'class_labels.txt', 'localization.txt']) renameSync(join(root, f), join(dir, f));
  const args = [
    'eval',
    '--model',
    DEMO_MODEL,
    '--dataset',
    root,
    '--split',
    'test',
    '--methods',
    'cam,gradcam',
    '--no-faithfulness',
    '--bootstrap',
    '0',
  ];
  const r = await runCli([...args, '--threshold-split', 'val', '--json', join(dir, 'protocol.json')]);
  assert.equal(r.code, 0, r.stderr);
  const plain = await runCli([...args, '--json', join(dir, 'test.json')]);
  assert.equal(plain.code, 0, plain.stderr);
  const withSplit = JSON.parse(readFileSync(join(dir, 'protocol.json'), 'utf8')) as EvaluationSummary;
  const testOnly = JSON.parse(readFileSync(join(dir, 'test.json'), 'utf8')) as EvaluationSummary;
  assert.equal(testOnly.threshold_split, null);
  const ts = withSplit.threshold_split!;
  assert.equal(ts.split, 'val');
  assert.ok(ts.images > 0 && ts.images + withSplit.images === 2 * ts.images + 1, `val ${ts.images}, test ${withSplit.images}`);
  for (const m of ['cam', 'gradcam']) {
    const p = ts.methods[m]!;
    assert.deepEqual(p.best_on_test, { maxboxacc: testOnly.methods[m]!.maxboxacc, maxboxacc_v2: testOnly.methods[m]!.maxboxacc_v2 });
    assert.ok(
      p.maxboxacc! <= p.best_on_test.maxboxacc! && p.maxboxacc_v2! <= p.best_on_test.maxboxacc_v2!,
      `${m}: held-out thresholds cannot beat the test's own best`,
    );
    assert.ok(p.threshold! >= 0 && p.threshold! < 1 && p.thresholds_v2!.length === 3);
  }
  const bad = await runCli([...args, '--threshold-split', 'test']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /same images/);
});
