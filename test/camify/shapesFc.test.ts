// camify on the bundled FC-head model (models/shapes-fc.onnx, CAM refused) with synthetic images from
// `camscope synth`: the linear refit head agrees with the original on held-out images and its CAM localizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDataset } from '../../src-main/datasets/index.js';
import { Explainer, argmax } from '../../src-main/explain/explainer.js';
import { boxIoU } from '../../src-shared/wsolBox.js';
import { runCli } from '../helpers/cli.js';

const MODEL = 'models/shapes-fc.onnx';
/** The max-pooled 4×4 map shapes-fc's FC head reads: GAP there keeps what the head relies on (the 32×32 ReLU before it tops out near 93 %). */
const LAYER = '/head/head.0/MaxPool_output_0';

async function top1(model: string, files: string[]): Promise<number[]> {
  const ex = await Explainer.open(model);
  try {
    const out: number[] = [];
    for (let i = 0; i < files.length; i += 32) {
      const batch = files.slice(i, i + 32);
      const { logits } = await ex.engine.forward((await ex.loadBatch(batch)).input, batch.length, []);
      for (let r = 0; r < batch.length; r++) out.push(argmax(logits.subarray(r * ex.model.numClasses, (r + 1) * ex.model.numClasses)));
    }
    return out;
  } finally {
    await ex.close();
  }
}

async function evaluate(model: string, dataset: string, method: string, work: string): Promise<{ maxboxacc_v2: number; gt_known_loc: number }> {
  const json = join(work, `${method}.json`);
  const r = await runCli(['eval', '--model', model, '--dataset', dataset, '--methods', method, '--no-faithfulness', '--json', json]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(readFileSync(json, 'utf8')).methods[method];
}

test(
  'shapes-fc: ≥ 95 % held-out agreement after camify, and its CAM localizes beside Grad-CAM',
  { skip: !existsSync(MODEL) && `${MODEL} not built yet` },
  async () => {
    const work = mkdtempSync(join(tmpdir(), 'camscope-camify-shapes-'));
    const train = join(work, 'train');
    const heldOut = join(work, 'heldout');
    for (const [dir, seed, count, split] of [
      [train, '101', '3000', 'train'],
      [heldOut, '202', '200', 'test'],
    ] as const) {
      const s = await runCli(['synth', '--out', dir, '--seed', seed, '--count', count, '--scenario', 'single', '--split', split]);
      assert.equal(s.code, 0, s.stderr);
    }
    const out = join(work, 'shapes-fc-gap.onnx');
    const c = await runCli(['camify', '--model', MODEL, '--head', 'linear', '--layer', LAYER, '--dataset', train, '--seed', '1', '--out', out]);
    assert.equal(c.code, 0, c.stderr);

    const items = (await loadDataset(heldOut)).items;
    const files = items.map((it) => it.path);
    // Chance level: the whole image as the box.
    const wholeImage = (100 * items.filter((it) => it.boxes.some((b) => boxIoU([0, 0, it.width, it.height], b) >= 0.5)).length) / items.length;
    const [original, refit] = await Promise.all([top1(MODEL, files), top1(out, files)]);
    const agreement = original.filter((p, i) => p === refit[i]).length / files.length;
    const cam = await evaluate(out, heldOut, 'cam', work);
    const gradcam = await evaluate(MODEL, heldOut, 'gradcam', work);
    console.log(
      `${c.stdout.trim()}\nheld-out agreement ${(agreement * 100).toFixed(1)} % on ${files.length} images; ` +
        `MaxBoxAccV2 CAM (camified) ${cam.maxboxacc_v2.toFixed(1)} vs Grad-CAM (original) ${gradcam.maxboxacc_v2.toFixed(1)}; ` +
        `GT-known Loc ${cam.gt_known_loc.toFixed(1)} vs ${gradcam.gt_known_loc.toFixed(1)} (whole-image box ${wholeImage.toFixed(1)})`,
    );
    assert.ok(agreement >= 0.95, `agreement ${agreement}`);
    // Localizes: a 4×4 map is coarse, so the fixed 20 % rule boxes too much (GT-known Loc stays low) but the best
    // threshold does: MaxBoxAccV2 at least Grad-CAM's on the original, and well above the whole-image box.
    assert.ok(cam.maxboxacc_v2 >= gradcam.maxboxacc_v2, `MaxBoxAccV2 ${cam.maxboxacc_v2} vs Grad-CAM ${gradcam.maxboxacc_v2}`);
    assert.ok(cam.maxboxacc_v2 >= wholeImage + 20, `MaxBoxAccV2 ${cam.maxboxacc_v2} vs whole image ${wholeImage}`);
  },
);
