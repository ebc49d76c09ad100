// camify --report/--json on the bundled FC-head model with a small `camscope synth` set (boxes, labels): the
// comparison's numbers against a recomputation from `camscope explain` JSON of both models on the validation
// images, and a self-contained HTML page that shows them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CamifyComparison } from '../../src-main/camify/camifyComparison.js';
import { splitRows } from '../../src-main/camify/split.js';
import { loadDataset } from '../../src-main/datasets/index.js';
import { pearsonValues } from '../../src-shared/mapAgreement.js';
import type { ExplainReport } from '../../src-shared/explainTypes.js';
import { runCli } from '../helpers/cli.js';

const MODEL = 'models/shapes-fc.onnx';
const LAYER = '/head/head.0/MaxPool_output_0';
const COUNT = 120;
const VAL_SPLIT = 0.25;
const SEED = 1;

async function explain(model: string, files: string[], method: string, layer: string, json: string): Promise<ExplainReport> {
  const r = await runCli([
    'explain',
    '--model',
    model,
    ...files.flatMap((f) => ['--image', f]),
    '--method',
    method,
    '--layer',
    layer,
    '--json',
    json,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(readFileSync(json, 'utf8'));
}

test(
  'camify --report/--json: agreement and map correlation match explain on the validation images; the page is self-contained',
  { skip: !existsSync(MODEL) && `${MODEL} not built yet` },
  async () => {
    const work = mkdtempSync(join(tmpdir(), 'camscope-camify-report-'));
    const data = join(work, 'data');
    const s = await runCli(['synth', '--out', data, '--seed', '7', '--count', String(COUNT), '--scenario', 'single', '--split', 'test']);
    assert.equal(s.code, 0, s.stderr);
    const out = join(work, 'fc-gap.onnx');
    const html = join(work, 'report.html');
    const jsonFile = join(work, 'report.json');
    const c = await runCli([
      'camify',
      '--model',
      MODEL,
      '--layer',
      LAYER,
      '--dataset',
      data,
      '--val-split',
      String(VAL_SPLIT),
      '--seed',
      String(SEED),
      '--out',
      out,
      '--report',
      html,
      '--json',
      jsonFile,
    ]);
    assert.equal(c.code, 0, c.stderr);
    const report: CamifyComparison = JSON.parse(readFileSync(jsonFile, 'utf8'));
    console.log(
      `${c.stderr.trim().split('\n').at(-1)}; localization (GT-known / MaxBoxAccV2 / pointing) original Grad-CAM ${JSON.stringify(report.original.localization)}, refit CAM ${JSON.stringify(report.refit.localization)}`,
    );

    // The held-out images: camify's seeded split of the dataset's items.
    const items = (await loadDataset(data)).items;
    const val = splitRows(items.length, VAL_SPLIT, SEED).val.map((i) => items[i]!);
    assert.equal(report.images, val.length);
    assert.deepEqual(
      report.perImage.map((p) => p.id),
      val.map((it) => it.id),
    );
    assert.equal(report.original.layer, LAYER);
    // The default conv-gap head reads LAYER; its CAM map is the new conv's ReLU. The linear baseline's is LAYER.
    assert.equal(report.refit.head, 'conv-gap');
    assert.equal(report.refit.sourceLayer, LAYER);
    assert.notEqual(report.refit.layer, LAYER);
    assert.equal(report.baseline!.head, 'linear');
    assert.equal(report.baseline!.layer, LAYER);
    assert.ok(report.baseline!.top1Agreement >= 0 && report.baseline!.top1Agreement <= 1);

    const files = val.map((it) => it.path);
    const original = await explain(MODEL, files, 'gradcam', LAYER, join(work, 'original.json'));
    const refit = await explain(out, files, 'cam', report.refit.layer, join(work, 'refit.json'));
    let agree = 0;
    const rs: number[] = [];
    report.perImage.forEach((p, i) => {
      const [a, b] = [original.results[i]!, refit.results[i]!];
      assert.equal(p.originalTop1, a.predictions[0]!.index, p.id);
      assert.equal(p.refitTop1, b.predictions[0]!.index, p.id);
      if (a.predictions[0]!.index === b.predictions[0]!.index) agree++;
      const r = pearsonValues(a.maps[0]!.values, b.maps[0]!.values);
      if (r === null) assert.equal(p.pearson, null, p.id);
      else {
        assert.ok(Math.abs(p.pearson! - r) <= 1e-4, `${p.id}: Pearson ${p.pearson} vs ${r}`);
        rs.push(r);
      }
    });
    assert.equal(report.top1Agreement, agree / val.length);
    assert.ok(Math.abs(report.meanPearson! - rs.reduce((x, y) => x + y, 0) / rs.length) <= 1e-4);
    // Boxes and labels: both localizations are defined percentages.
    for (const side of [report.original, report.refit, report.baseline!]) {
      for (const v of Object.values(side.localization)) assert.ok(v !== null && v >= 0 && v <= 100, JSON.stringify(side));
    }

    const page = readFileSync(html, 'utf8');
    assert.doesNotMatch(page, /<script/i);
    // The only URL is the SVG namespace; images are data URIs.
    assert.doesNotMatch(page.replaceAll('xmlns="http://www.w3.org/2000/svg"', ''), /https?:|src="(?!data:)/);
    assert.ok(page.includes(`${(100 * report.top1Agreement).toFixed(2)} %`));
    assert.ok(page.includes(report.meanPearson!.toFixed(3)));
    assert.ok(page.includes(report.refit.localization.maxboxacc_v2!.toFixed(2)));
    assert.ok(page.includes(report.baseline!.localization.maxboxacc_v2!.toFixed(2)));
    assert.ok(page.includes(`${(100 * report.baseline!.top1Agreement).toFixed(2)}`));
    assert.match(page, /<img src="data:image\/jpeg;base64,/);
  },
);
