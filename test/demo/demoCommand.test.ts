// `camscope demo` end to end on a few images per scenario: the project holds the three bundled models, one
// dataset per scenario with ground truth and finished runs with their maps; the report and the printed table
// agree with the stored predictions; a second open does not rebuild, an outdated demo is rebuilt.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { runCli, type CliRun } from '../helpers/cli.js';
import { REPO_ROOT } from '../../src-main/cli/serve.js';
import {
  DEMO_METHODS,
  DEMO_MODELS,
  IMAGENET_DATASET,
  IMAGENET_METHODS,
  IMAGENET_MODELS,
  demoDataDir,
  openDemoProject,
  waitForRuns,
} from '../../src-main/services/demoProject.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import { SCENARIOS } from '../../src-main/synth/scene.js';

const COUNT = 3;
const dir = mkdtempSync(join(tmpdir(), 'camscope-demo-'));
const project = join(dir, 'demo.camscope');
const report = join(dir, 'report.html');
const keyFile = join(demoDataDir(project), 'demo-key.json');
let run: CliRun;

before(async () => {
  run = await runCli(['demo', '--project', project, '--report', report, '--count', String(COUNT), '--quick']);
  assert.equal(run.code, 0, run.stderr);
});

/** The rows of the first markdown table printed, as cells. */
function headlineRows(stdout: string): string[][] {
  const table = stdout.split('\n\n')[0]!.trim().split('\n');
  return table.slice(2).map((l) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim()),
  );
}

test('the demo project holds the models, one dataset per scenario with ground truth, and finished runs with maps', () => {
  const store = ProjectStore.open(project, { readonly: true });
  try {
    const models = store.listModelIds().map((id) => store.getModel(id)!);
    assert.deepEqual(
      models.map((m) => basename(m.path, '.onnx')),
      [...IMAGENET_MODELS, ...DEMO_MODELS.map((m) => m.name)],
    );
    const images = store.allImageIds().map((id) => store.getImage(id)!);
    for (const s of SCENARIOS) {
      const of = images.filter((im) => im.dataset === s);
      assert.equal(of.length, COUNT, s);
      for (const im of of) assert.ok(im.gtLabel !== null && im.gtBoxes.length > 0, `${im.path}: ground truth`);
    }
    const runs = store.listRuns();
    const photos = images.filter((im) => im.dataset === IMAGENET_DATASET);
    assert.equal(photos.length, 3);
    for (const name of IMAGENET_MODELS) {
      const model = models.find((m) => basename(m.path, '.onnx') === name)!;
      const own = runs.filter((r) => r.modelId === model.id);
      assert.deepEqual(
        own.map((r) => r.method).sort(),
        [...IMAGENET_METHODS].sort(),
        `${name}: CAM applies (GAP head); --quick leaves Score-CAM out`,
      );
      for (const r of own) {
        assert.equal(r.status, 'done', `${name} ${r.method}: ${r.error}`);
        for (const im of photos) assert.ok(store.getMap(r.id, im.id), `${name} ${r.method}: map of ${im.path}`);
      }
      const cat = photos.find((im) => im.path.endsWith('chelsea.png'))!;
      assert.equal(store.getPredictions(model.id, cat.id)[0]!.label, 'Egyptian cat', name);
      // Labels as ImageNet numbers them (Egyptian cat 285), the photos dataset recording offset 1 (logit 286).
      assert.equal(cat.gtLabel, 285);
      assert.equal(store.datasetLabelOffset(IMAGENET_DATASET), 1);
      assert.equal(store.getPredictions(model.id, cat.id)[0]!.index, store.trueLogit(cat, model), `${name}: the cat is correct`);
      const correct = store.queryImages({ offset: 0, limit: 10, filters: { modelId: model.id, dataset: IMAGENET_DATASET, correct: true } });
      assert.ok(
        correct.rows.some((r) => r.id === cat.id && r.gtClass === 286),
        `${name}: the gallery's correct filter lists the cat`,
      );
    }
    for (const { name, scenarios } of DEMO_MODELS) {
      const model = models.find((m) => basename(m.path, '.onnx') === name)!;
      const own = runs.filter((r) => r.modelId === model.id);
      // shapes-fc flattens its features into a fully connected head: CAM does not apply and is not run.
      const expected = DEMO_METHODS.filter((m) => name !== 'shapes-fc' || m !== 'cam');
      assert.deepEqual(own.map((r) => r.method).sort(), [...expected].sort(), name);
      const ids = images.filter((im) => (scenarios as readonly string[]).includes(im.dataset!)).map((im) => im.id);
      for (const r of own) {
        assert.equal(r.status, 'done', `${name} ${r.method}: ${r.error}`);
        assert.equal(r.total, ids.length);
        assert.equal(r.done, ids.length);
        for (const id of ids) assert.ok(store.getMap(r.id, id), `${name} ${r.method}: map of image ${id}`);
      }
    }
  } finally {
    store.close();
  }
});

test('the printed headline table has one row per scenario and model, its accuracy matching the stored predictions', () => {
  const rows = headlineRows(run.stdout);
  const pairs = DEMO_MODELS.flatMap(({ name, scenarios }) => scenarios.map((s) => [s, name]));
  assert.deepEqual(
    rows.map((r) => [r[0], r[1]]),
    pairs,
  );
  const store = ProjectStore.open(project, { readonly: true });
  try {
    const images = store.allImageIds().map((id) => store.getImage(id)!);
    for (const [scenario, model, count, accuracy, camLoc, gradcamLoc] of rows) {
      const modelId = store.listModelIds().find((id) => basename(store.getModel(id)!.path, '.onnx') === model)!;
      const of = images.filter((im) => im.dataset === scenario);
      const correct = of.filter((im) => store.getPredictions(modelId, im.id)[0]!.index === im.gtLabel).length;
      assert.equal(count, String(of.length));
      assert.equal(accuracy, ((100 * correct) / of.length).toFixed(1), `${scenario} ${model}`);
      assert.equal(camLoc === 'refused', model === 'shapes-fc', `${scenario} ${model}: CAM refused only on shapes-fc`);
      assert.match(gradcamLoc!, /^\d+\.\d$/);
    }
  } finally {
    store.close();
  }
  assert.match(run.stdout, /\| shapes-shortcut \| cam \| \d+ \|/, 'the shortcut table');
});

test('the report is one self-contained page with the headline, the shortcut finding and every evaluation', () => {
  const html = readFileSync(report, 'utf8');
  const headline = /<table id="headline">([\s\S]*?)<\/table>/.exec(html)?.[1];
  assert.ok(headline);
  assert.equal(headline.match(/<tr>/g)?.length, headlineRows(run.stdout).length + 1);
  assert.match(html, /<table id="shortcut">/);
  // The ImageNet part: one row per model and photo, CAM next to Grad-CAM for each.
  const photos = /<table id="photos">([\s\S]*?)<\/table>/.exec(html)?.[1];
  assert.equal(photos?.match(/<tr>/g)?.length, 1 + IMAGENET_MODELS.length * 3);
  assert.match(photos!, /chelsea\.png<\/td><td>285<\/td><td>Egyptian cat/);
  for (const model of IMAGENET_MODELS)
    for (const method of ['cam', 'gradcam']) assert.equal(html.split(`alt="${model} ${method}"`).length - 1, 3, `${model} ${method} figures`);
  assert.equal(html.match(/<details>/g)?.length, headlineRows(run.stdout).length);
  assert.match(html, /<img src="data:image\/jpeg;base64,/);
  assert.doesNotMatch(html, /<script|(src|href)="https?:/, 'no script, nothing loaded from the network');
});

test('opening the demo again does not rebuild it; an outdated one is rebuilt', async () => {
  const synthJson = join(demoDataDir(project), 'single', 'synth.json');
  const stamp = statSync(synthJson).mtimeMs;
  const before = ProjectStore.open(project, { readonly: true });
  const runsBefore = before.listRuns();
  before.close();

  const again = await openDemoProject(REPO_ROOT, project, undefined, { count: COUNT, scoreCam: false });
  assert.deepEqual(again.store.listRuns(), runsBefore);
  again.close();
  assert.equal(statSync(synthJson).mtimeMs, stamp);

  const key = JSON.parse(readFileSync(keyFile, 'utf8')) as { version: number };
  writeFileSync(keyFile, JSON.stringify({ ...key, version: key.version - 1 }));
  const rebuilt = await openDemoProject(REPO_ROOT, project, undefined, { count: 1, scoreCam: false });
  try {
    assert.equal(rebuilt.store.imageCount(), SCENARIOS.length + 3, 'one image per scenario and the 3 photos');
    assert.ok(rebuilt.store.listRuns().every((r) => r.total <= SCENARIOS.length));
    await waitForRuns(rebuilt);
  } finally {
    rebuilt.close();
  }
  assert.equal((JSON.parse(readFileSync(keyFile, 'utf8')) as { version: number; count: number }).count, 1);
  assert.ok(existsSync(synthJson));
});
