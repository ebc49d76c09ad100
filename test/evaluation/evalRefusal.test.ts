// Where CAM does not apply (a Sigmoid between the layer and global average pooling), eval refuses it
// with the engine's reason, reports it, and evaluates the other methods; bad input is one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { gapClassifier, writeModel } from '../helpers/tinyModels.js';
import { writeDemoDataset } from './evalFixtures.js';
import { ClassifierModel } from '../../src-main/model/classifierModel.js';
import type { EvaluationSummary } from '../../src-shared/evaluationTypes.js';
import { METRIC_KEYS } from '../../src-shared/evaluationTypes.js';

const dir = mkdtempSync(join(tmpdir(), 'camscope-eval-refusal-'));
const dataset = join(dir, 'ds');
writeDemoDataset(dataset);
const model = writeModel(join(dir, 'sigmoid.onnx'), gapClassifier({ k: 4, classes: 8, size: 32, between: 'Sigmoid' }));

test("CAM is refused with the engine's reason where the head is not GAP → linear; Grad-CAM still runs", async () => {
  const m = await ClassifierModel.open(model);
  const candidate = m.layerCandidates().find((l) => l.tensor === 'features')!;
  assert.equal(candidate.cam.applicable, false);
  const reason = (candidate.cam as { reason: string }).reason;

  const out = (f: string) => join(dir, f);
  const r = await runCli([
    'eval',
    '--model',
    model,
    '--layer',
    'features',
    '--dataset',
    dataset,
    '--methods',
    'cam,gradcam',
    '--no-faithfulness',
    '--limit',
    '3',
    '--json',
    out('s.json'),
    '--report',
    out('r.html'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stderr.includes(`cam: refused: ${reason}`), r.stderr);
  const summary = JSON.parse(readFileSync(out('s.json'), 'utf8')) as EvaluationSummary;
  assert.deepEqual(summary.methods.cam, Object.fromEntries(METRIC_KEYS.map((k) => [k, null])));
  assert.equal(typeof summary.methods.gradcam!.gt_known_loc, 'number');
  assert.deepEqual(summary.agreement, {}, 'no pair without CAM');
  const html = readFileSync(out('r.html'), 'utf8');
  assert.ok(html.includes('CAM refused'));
  assert.ok(html.includes(reason.replace(/'/g, '&#39;')));
});

test('bad input exits 2 with one line naming the problem', async () => {
  const cases: [string[], RegExp][] = [
    [['--dataset', dataset, '--methods', 'cam'], /--model is required/],
    [['--model', model, '--dataset', join(dir, 'nowhere')], /nowhere/],
    [['--model', model, '--dataset', dataset, '--methods', 'nosuch'], /unknown method 'nosuch'/],
    [['--model', model, '--dataset', dataset, '--label-offset', '7'], /triangle_2\.png: dataset class 2 \+ label offset 7 is outside the 8 outputs/],
    [['--model', model, '--dataset', dataset, '--limit', '0'], /--limit: expected a positive integer/],
    [['--model', model, '--layer', 'features', '--dataset', dataset, '--methods', 'cam'], /no requested method applies \(cam: Sigmoid node/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['eval', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  }
});
