// Quick look ('quicklook.run') on picked image paths: the image lands in the project's scratch dataset, every method
// that applies is there (CAM refused on an FC head with its reason), predictions and maps equal a separate
// `camscope explain --json` of the same image, a chosen class is honoured, and a bad file is one line with nothing stored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CamscopeError } from '../../src-main/errors.js';
import { Workspace } from '../../src-main/services/workspace.js';
import type { ExplainReport } from '../../src-shared/explainTypes.js';
import type { Response } from '../../src-shared/ipc.js';
import { METHOD_REGISTRY } from '../../src-shared/methods.js';
import { QUICK_LOOK_DATASET } from '../../src-shared/quickLook.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'camscope-quicklook-'));
process.env.CAMSCOPE_HOME = join(dir, 'home');
const CHELSEA = resolve('models/photos/chelsea.png');
const MOBILENET = resolve('models/mobilenet-v2-imagenet.onnx');
let ws: Workspace;

before(() => {
  ws = Workspace.open(join(dir, 'study.camscope'), { create: true });
});
after(() => {
  ws.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A separate explain of the same image through the CLI's JSON path (its own Explainer, in this process). */
async function explainJson(model: string, image: string, methods: string[], target = 'top1'): Promise<ExplainReport['results'][number]> {
  const out = join(dir, `explain-${Date.now()}.json`);
  const r = await runCli(['explain', '--model', model, '--image', image, '--method', methods.join(','), '--target', target, '--json', out]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(readFileSync(out, 'utf8')) as ExplainReport).results[0]!;
}

/** The maps of the methods explain computed equal the quick look's (each of them among the quick look's). */
function assertSameMaps(look: Response<'quicklook.run'>, fresh: ExplainReport['results'][number]): void {
  for (const f of fresh.maps) {
    const m = look.detail.maps.find((x) => x.method === f.method)!;
    assert.ok(m, `quick look computed ${f.method}`);
    assert.deepEqual([m.width, m.height, m.target], [f.width, f.height, f.target], m.method);
    const scale = Math.max(...f.values.map(Math.abs)) || 1;
    const worst = Math.max(...m.values.map((v, i) => Math.abs(v - f.values[i]!)));
    assert.ok(worst <= 1e-5 * scale, `${m.method}: max |diff| ${worst} vs max ${scale}`);
  }
}

test(
  'quick look on a picked photo: scratch dataset, every applicable method, the same predictions and maps as explain',
  { timeout: 240_000 },
  async () => {
    const h = ws.handlers();
    const model = await h['models.add']({ path: MOBILENET });
    const look = await h['quicklook.run']({ path: CHELSEA, modelId: model.id, target: 'top1' });

    const image = ws.store.getImage(look.detail.image.id)!;
    assert.equal(image.path, CHELSEA);
    assert.equal(image.dataset, QUICK_LOOK_DATASET);
    // Every registry method is either computed, refused with the engine's reason, or (Score-CAM) left out for its cost.
    assert.deepEqual(look.refused, [{ method: 'rollout', reason: "'Conv_1_Relu6_relu6' is not a token layer [N, p + h·w, C]" }]);
    assert.deepEqual(look.slow, ['scorecam']);
    const computed = METHOD_REGISTRY.map((m) => m.id).filter((id) => id !== 'rollout' && id !== 'scorecam');
    assert.deepEqual(
      look.detail.maps.map((m) => m.method),
      computed,
    );
    assert.equal(look.layer, model.defaultLayer);

    const fresh = await explainJson(MOBILENET, CHELSEA, computed);
    const top5 = look.detail.predictions.find((p) => p.modelId === model.id)!.top5;
    assert.deepEqual(
      top5.map((p) => [p.index, p.label]),
      fresh.predictions.slice(0, 5).map((p) => [p.index, p.label]),
    );
    top5.forEach((p, i) => assert.ok(Math.abs(p.score - fresh.predictions[i]!.score) < 1e-6, `score of ${p.label}`));
    assert.equal(top5[0]!.label, 'Egyptian cat');
    assert.equal(look.target, fresh.predictions[0]!.index);
    assertSameMaps(look, fresh);

    // Stored as ordinary runs: the runs list, the image view and the gallery's scratch dataset show them.
    const runs = (await h['runs.list']({})).filter((r) => r.modelId === model.id);
    assert.deepEqual(
      runs.map((r) => [r.method, r.status, r.done, r.total]),
      computed.map((m) => [m, 'done', 1, 1]),
    );
    const detail = await h['images.detail']({ imageId: image.id });
    assert.deepEqual(detail.maps.map((m) => m.runId).sort(), look.detail.maps.map((m) => m.runId).sort());
    const gallery = await h['images.query']({ offset: 0, limit: 10, filters: { dataset: QUICK_LOOK_DATASET }, sort: 'id', order: 'asc' });
    assert.deepEqual(
      gallery.rows.map((r) => r.id),
      [image.id],
    );
  },
);

test('a chosen class is explained instead of the top-1, on the same stored image', { timeout: 240_000 }, async () => {
  const h = ws.handlers();
  const model = (await h['models.list']({})).find((m) => m.path === MOBILENET)!;
  const before = await h['quicklook.run']({ path: CHELSEA, modelId: model.id, target: 'top1' });
  const chosen = before.detail.predictions[0]!.top5[2]!.index;
  const look = await h['quicklook.run']({ path: CHELSEA, modelId: model.id, target: chosen });
  assert.equal(look.detail.image.id, before.detail.image.id, 'the image is not imported twice');
  assert.equal(look.target, chosen);
  assert.ok(look.detail.maps.every((m) => m.target === chosen));
  assertSameMaps(look, await explainJson(MOBILENET, CHELSEA, ['cam', 'gradcam', 'gradcam++', 'reciprocam'], String(chosen)));
  await assert.rejects(
    h['quicklook.run']({ path: CHELSEA, modelId: model.id, target: 5000 }),
    /class 5000: mobilenet-v2-imagenet has classes 0–1000/,
  );
});

test('on a model without a GAP head CAM is refused with its reason and the rest run', { timeout: 120_000 }, async () => {
  const h = ws.handlers();
  const model = await h['models.add']({ path: resolve('models/shapes-fc.onnx') });
  const look = await h['quicklook.run']({ path: resolve('models/demo/star_3.png'), modelId: model.id, target: 'top1' });
  const cam = look.refused.find((r) => r.method === 'cam');
  assert.match(cam?.reason ?? '', /MaxPool/);
  assert.ok(!cam!.reason.includes('\n'));
  assert.ok(!look.detail.maps.some((m) => m.method === 'cam'));
  assert.ok(look.detail.maps.some((m) => m.method === 'gradcam'));
});

test('a bad file, a folder or a missing one is one line naming it, and nothing is stored', { timeout: 60_000 }, async () => {
  const h = ws.handlers();
  const model = (await h['models.list']({})).find((m) => m.path === MOBILENET)!;
  const bad = join(dir, 'broken.png');
  writeFileSync(bad, 'not an image at all');
  mkdirSync(join(dir, 'folder.png'));
  const images = ws.store.imageCount();
  const runs = ws.store.listRuns().length;
  for (const [path, why] of [
    [bad, /broken\.png: (not an image|cannot decode)/],
    [join(dir, 'folder.png'), /folder\.png: not an image file/],
    [join(dir, 'missing.png'), /missing\.png: file not found/],
  ] as const) {
    const e = await h['quicklook.run']({ path, modelId: model.id, target: 'top1' }).then(
      () => null,
      (err: unknown) => err,
    );
    assert.ok(e instanceof CamscopeError, `a CamscopeError for ${path}`);
    assert.match(e.message, why);
    assert.ok(!e.message.includes('\n'));
  }
  await assert.rejects(h['quicklook.run']({ path: CHELSEA, modelId: 999, target: 'top1' }), /model 999 is not in the project/);
  assert.equal(ws.store.imageCount(), images);
  assert.equal(ws.store.listRuns().length, runs);
});
