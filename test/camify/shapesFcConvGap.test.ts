// The default camify (conv-gap head, layer chosen by validation agreement) on the bundled FC-head model with 400
// `camscope synth` images, as README reports it: the 32×32 default layer reaches ≥ 95 % agreement with the original
// on the 80 validation images, and its CAM localizes better than the linear refit's on the 4×4 map the FC head
// reads — both from `--json`, which evaluates the written model and that baseline with eval's engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CamifyComparison, Localization } from '../../src-main/camify/camifyComparison.js';
import { ClassifierModel } from '../../src-main/model/classifierModel.js';
import { CAMIFY_METADATA_KEY, type CamifyRecord } from '../../src-main/model/camifyMetadata.js';
import { metadataMap } from '../../src-main/onnx/onnxModel.js';
import { runCli } from '../helpers/cli.js';

const MODEL = 'models/shapes-fc.onnx';
const DEFAULT_LAYER = '/features/features.15/Relu_output_0';
const POOLED_LAYER = '/head/head.0/MaxPool_output_0';

test(
  'shapes-fc, 400 images: the default conv-gap head keeps the 32×32 layer at ≥ 95 % agreement and out-localizes the 4×4 linear refit',
  { skip: !existsSync(MODEL) && `${MODEL} not built yet` },
  async () => {
    const work = mkdtempSync(join(tmpdir(), 'camscope-camify-convgap-'));
    const data = join(work, 'data');
    const s = await runCli(['synth', '--out', data, '--seed', '1', '--count', '400', '--scenario', 'single', '--split', 'test']);
    assert.equal(s.code, 0, s.stderr);
    const out = join(work, 'shapes-fc-gap.onnx');
    const json = join(work, 'comparison.json');
    const c = await runCli(['camify', '--model', MODEL, '--dataset', data, '--seed', '1', '--out', out, '--json', json]);
    assert.equal(c.code, 0, c.stderr);
    const record = JSON.parse(metadataMap((await ClassifierModel.open(out)).model)[CAMIFY_METADATA_KEY]!) as CamifyRecord;
    const report = JSON.parse(readFileSync(json, 'utf8')) as CamifyComparison;
    const loc = (l: Localization) => [l.gt_known_loc, l.maxboxacc_v2, l.pointing_game].map((v) => v?.toFixed(1) ?? '—').join(' / ');
    console.log(
      `${c.stdout.trim()}\ncandidates ${JSON.stringify(record.candidates)}, ${record.fit.iterations} epochs; ` +
        `conv-gap agreement ${(100 * report.top1Agreement).toFixed(1)} %, GT-known / MaxBoxAccV2 / pointing ${loc(report.refit.localization)}; ` +
        `linear (${report.baseline?.sourceLayer}) ${(100 * report.baseline!.top1Agreement).toFixed(1)} %, ${loc(report.baseline!.localization)}`,
    );

    assert.equal(record.head, 'conv-gap');
    // The finest candidate reached --min-agreement, so it is the only one fit.
    assert.equal(record.sourceLayer, DEFAULT_LAYER);
    assert.deepEqual(
      record.candidates!.map((t) => t.layer),
      [DEFAULT_LAYER],
    );
    assert.equal(report.images, 80);
    // Agreement as eval's engine sees the written model on the validation images, and as camify recorded it.
    assert.ok(report.top1Agreement >= 0.95, `agreement ${report.top1Agreement}`);
    assert.equal(report.top1Agreement, record.valAgreement);

    const baseline = report.baseline!;
    assert.equal(baseline.head, 'linear');
    assert.equal(baseline.sourceLayer, POOLED_LAYER);
    const [ours, theirs] = [report.refit.localization, baseline.localization];
    for (const key of ['maxboxacc_v2', 'gt_known_loc'] as const) {
      assert.ok(ours[key] !== null && theirs[key] !== null, `${key} missing`);
      assert.ok(ours[key] > theirs[key], `${key}: conv-gap ${ours[key]} vs linear 4×4 ${theirs[key]}`);
    }
  },
);
