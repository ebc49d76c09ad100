// `camscope eval` end to end on the bundled demo model: the JSON contract against numbers recomputed
// here from `camscope explain` output, the CSV rows, the .npy score maps, the project runs, resuming.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/cli.js';
import { DEMO_MODEL, type FixtureImage, crossFile, readCsv, writeDemoDataset } from './evalFixtures.js';
import { boxIoU } from '../../src-shared/wsolBox.js';
import { upsampleBilinear } from '../../src-shared/mapGrid.js';
import { METRIC_KEYS } from '../../src-shared/evaluationTypes.js';
import type { EvaluationSummary } from '../../src-shared/evaluationTypes.js';
import type { ExplainReport, MapResult } from '../../src-shared/explainTypes.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import { MaxBoxAccAccumulator, gtBoxesToScoremap, wilcoxonSignedRank } from '../../src-main/evaluation/metrics/index.js';
import { bootstrapReplicates, percentileInterval, weightedMean } from '../../src-shared/bootstrap.js';

const dir = mkdtempSync(join(tmpdir(), 'camscope-eval-'));
const dataset = join(dir, 'ds');
const project = join(dir, 'study.camscope');
let images: FixtureImage[];
let summary: EvaluationSummary;
let top1Maps: ExplainReport;
let circleMaps: ExplainReport;

const evalArgs = (json: string, extra: string[] = []) => [
  'eval',
  '--model',
  DEMO_MODEL,
  '--dataset',
  dataset,
  '--methods',
  'cam,gradcam',
  '--no-faithfulness',
  '--project',
  project,
  '--json',
  json,
  ...extra,
];
const readJson = <T>(f: string) => JSON.parse(readFileSync(f, 'utf8')) as T;

before(async () => {
  images = writeDemoDataset(dataset);
  const r = await runCli(evalArgs(join(dir, 'first.json'), ['--csv', join(dir, 'eval.csv'), '--export-maps', join(dir, 'maps'), '--batch', '4']));
  assert.equal(r.code, 0, r.stderr);
  summary = readJson(join(dir, 'first.json'));
  // The reference: the same maps through `camscope explain` (top-1, and class 0 for the mislabelled image).
  const explain = async (paths: string[], extra: string[], out: string) => {
    const e = await runCli([
      'explain',
      '--model',
      DEMO_MODEL,
      ...paths.flatMap((p) => ['--image', p]),
      '--method',
      'cam,gradcam',
      '--json',
      out,
      ...extra,
    ]);
    assert.equal(e.code, 0, e.stderr);
    return readJson<ExplainReport>(out);
  };
  top1Maps = await explain(
    images.map((im) => im.path),
    [],
    join(dir, 'top1.json'),
  );
  circleMaps = await explain([images.at(-1)!.path], ['--target', '0'], join(dir, 'circle.json'));
});

/** The map `method` explaining image k for its ground-truth class. */
function gtMap(k: number, method: string): MapResult {
  const im = images[k]!;
  const top = top1Maps.results[k]!;
  const source = top.predictions[0]!.index === im.label ? top : circleMaps.results[0]!;
  return source.maps.find((m) => m.method === method)!;
}

function pointsInside(map: MapResult, k: number): boolean {
  const { width, height } = top1Maps.results[k]!;
  const up = upsampleBilinear(map, width, height);
  let best = 0;
  for (let i = 1; i < up.length; i++) if (up[i]! > up[best]!) best = i;
  const [x, y] = [best % width, Math.floor(best / width)];
  const b = images[k]!.box;
  return x >= b[0] && x < b[2] && y >= b[1] && y < b[3];
}

/** Share of the min-max-scaled, upsampled map inside the image's one box (Score-CAM's energy pointing game). */
function energyInside(map: MapResult, k: number): number {
  const { width, height } = top1Maps.results[k]!;
  const up = upsampleBilinear(map, width, height);
  const [lo, hi] = [Math.min(...up), Math.max(...up)];
  const b = images[k]!.box;
  let inside = 0;
  let total = 0;
  up.forEach((v, i) => {
    const [x, y] = [i % width, Math.floor(i / width)];
    total += (v - lo) / (hi - lo);
    if (x >= b[0] && x < b[2] && y >= b[1] && y < b[3]) inside += (v - lo) / (hi - lo);
  });
  return inside / total;
}

function pearsonOf(a: number[], b: number[]): number {
  const ma = a.reduce((s, v) => s + v, 0) / a.length;
  const mb = b.reduce((s, v) => s + v, 0) / b.length;
  const cov = a.reduce((s, v, i) => s + (v - ma) * (b[i]! - mb), 0);
  const va = a.reduce((s, v) => s + (v - ma) ** 2, 0);
  const vb = b.reduce((s, v) => s + (v - mb) ** 2, 0);
  return cov / Math.sqrt(va * vb);
}

test('the JSON is the EvaluationSummary contract, with numbers recomputed from camscope explain', () => {
  assert.deepEqual(Object.keys(summary), ['images', 'accuracy', 'methods', 'agreement', 'uncertainty', 'threshold_split']);
  assert.equal(summary.threshold_split, null, 'no held-out split asked for');
  assert.equal(summary.images, images.length);
  const correct = images.map((im, k) => top1Maps.results[k]!.predictions[0]!.index === im.label);
  assert.equal(correct.filter(Boolean).length, images.length - 1, 'only the mislabelled image is wrong');
  assert.equal(summary.accuracy, (100 * (images.length - 1)) / images.length);
  for (const method of ['cam', 'gradcam']) {
    const m = summary.methods[method]!;
    assert.deepEqual(Object.keys(m), [...METRIC_KEYS]);
    const gtKnown = images.map((im, k) => boxIoU(gtMap(k, method).box!, im.box) >= 0.5);
    const pct = (xs: boolean[]) => (100 * xs.filter(Boolean).length) / xs.length;
    assert.equal(m.gt_known_loc, pct(gtKnown), `${method} GT-known Loc`);
    assert.equal(m.top1_loc, pct(gtKnown.map((g, k) => g && correct[k]!)), `${method} Top-1 Loc`);
    assert.equal(m.pointing_game, pct(images.map((_, k) => pointsInside(gtMap(k, method), k))), `${method} pointing game`);
    const energy = images.map((_, k) => energyInside(gtMap(k, method), k));
    assert.ok(Math.abs(m.energy_pointing_game! - (100 * energy.reduce((s, e) => s + e, 0)) / energy.length) < 1e-9, `${method} energy pointing game`);
    for (const k of ['maxboxacc', 'maxboxacc_v2'] as const) assert.ok(m[k]! >= 0 && m[k]! <= 100, `${method} ${k} = ${m[k]}`);
    for (const k of ['average_drop', 'increase_in_confidence', 'deletion_auc', 'insertion_auc', 'adcc'] as const)
      assert.equal(m[k], null, 'faithfulness was skipped');
  }
  const pair = summary.agreement['cam|gradcam']!;
  assert.deepEqual(Object.keys(pair), ['a', 'b', 'pearson', 'spearman', 'box_iou', 'both_point_inside', 'analytic_max_error']);
  const maps = top1Maps.results.map((r) => [r.maps.find((m) => m.method === 'cam')!, r.maps.find((m) => m.method === 'gradcam')!] as const);
  const meanPearson = maps.reduce((s, [c, g]) => s + pearsonOf(c.values, g.values), 0) / maps.length;
  assert.ok(Math.abs(pair.pearson - meanPearson) < 1e-9, `Pearson ${pair.pearson} vs ${meanPearson}`);
  const analytic = Math.max(...maps.map(([c, g]) => Math.max(...g.values.map((v, i) => Math.abs(v - Math.max(0, c.values[i]!) / g.values.length)))));
  assert.ok(Math.abs(pair.analytic_max_error! - analytic) <= 1e-12, `analytic error ${pair.analytic_max_error} vs ${analytic}`);
  assert.ok(pair.analytic_max_error! <= 1e-6 * Math.max(...maps.flatMap(([, g]) => g.values)), 'Grad-CAM = ReLU(CAM)/(H·W) on a GAP head');
  const bothInside = maps.map(([c, g], k) => pointsInside(c, k) && pointsInside(g, k));
  assert.equal(pair.both_point_inside, (100 * bothInside.filter(Boolean).length) / maps.length);
});

test('the CSV has one row per image × method with the per-image numbers, then the summary', () => {
  const rows = readCsv(readFileSync(join(dir, 'eval.csv'), 'utf8'));
  const header = rows[0]!;
  const col = (name: string) => header.indexOf(name);
  const data = rows.slice(1, 1 + 2 * images.length);
  assert.equal(data.length, 2 * images.length);
  assert.deepEqual(rows[1 + 2 * images.length], [], 'a blank line before the summary');
  for (const method of ['cam', 'gradcam']) {
    const mine = data.filter((r) => r[col('method')] === method);
    assert.deepEqual(
      mine.map((r) => r[col('image_id')]),
      images.map((im) => im.id),
    );
    mine.forEach((r, k) => {
      const ref = gtMap(k, method);
      assert.equal(Number(r[col('gt_label')]), images[k]!.label);
      assert.equal(Number(r[col('gt_iou')]), boxIoU(ref.box!, images[k]!.box), `${images[k]!.id} ${method} gt_iou`);
      const top = top1Maps.results[k]!.maps.find((m) => m.method === method)!;
      assert.deepEqual(
        [col('box_x0'), col('box_y0'), col('box_x1'), col('box_y1')].map((c) => Number(r[c])),
        top.box,
      );
    });
    const gtKnown = mine.map((r) => Number(r[col('gt_known_loc')]));
    assert.equal((100 * gtKnown.reduce((s, v) => s + v, 0)) / gtKnown.length, summary.methods[method]!.gt_known_loc);
    const summaryRow = rows.find((r) => r[0] === method && r.length === 1 + METRIC_KEYS.length)!;
    assert.equal(Number(summaryRow[1 + METRIC_KEYS.indexOf('gt_known_loc')]), summary.methods[method]!.gt_known_loc);
  }
});

test('uncertainty: bootstrap intervals of the per-image columns, paired tests of cam − gradcam, in the JSON and the CSV', () => {
  const u = summary.uncertainty!;
  assert.deepEqual([u.method, u.level, u.resamples, u.seed], ['percentile', 0.95, 1000, 0]);
  const rows = readCsv(readFileSync(join(dir, 'eval.csv'), 'utf8'));
  const header = rows[0]!;
  const data = rows.slice(1, 1 + 2 * images.length);
  const column = (method: string, name: string) =>
    data.filter((r) => r[header.indexOf('method')] === method).map((r) => (r[header.indexOf(name)] === '' ? null : Number(r[header.indexOf(name)])));
  // The same resamples over the CSV's per-image columns (images in CSV order).
  const [cam, grad] = bootstrapReplicates(images.length, (w) => [
    weightedMean(column('cam', 'gt_known_loc'), w, 100),
    weightedMean(column('gradcam', 'gt_known_loc'), w, 100),
  ]);
  assert.deepEqual(u.methods.cam!.gt_known_loc, percentileInterval(cam!));
  assert.deepEqual(u.methods.gradcam!.gt_known_loc, percentileInterval(grad!));
  const c = u.comparisons['cam|gradcam']!.gt_known_loc!;
  assert.equal(c.difference, summary.methods.cam!.gt_known_loc! - summary.methods.gradcam!.gt_known_loc!);
  const energy = u.comparisons['cam|gradcam']!.energy_pointing_game!;
  const d = column('cam', 'energy_pointing').map((v, k) => v! - column('gradcam', 'energy_pointing')[k]!);
  assert.deepEqual(energy.wilcoxon, wilcoxonSignedRank(d));
  assert.equal(u.comparisons['cam|gradcam']!.maxboxacc!.wilcoxon, null, 'a dataset-level maximum has no per-image test');
  for (const [method, intervals] of Object.entries(u.methods)) {
    for (const [k, iv] of Object.entries(intervals)) if (iv) assert.ok(iv[0] <= iv[1], `${method} ${k} interval ordered`);
  }
  const ciRow = rows.find((r) => r[0] === 'cam' && r[1] === 'gt_known_loc')!;
  assert.deepEqual(ciRow.slice(3, 5).map(Number), u.methods.cam!.gt_known_loc);
  const testRow = rows.find((r) => r[0] === 'cam|gradcam' && r[1] === 'energy_pointing_game')!;
  assert.equal(Number(testRow[2]), energy.difference);
});

test('--export-maps writes float32 224×224 .npy score maps in [0, 1] at <method>/<image_id>.npy', () => {
  const read = (p: string) => {
    const buf = readFileSync(p);
    assert.equal(buf.subarray(0, 6).toString('latin1'), '\x93NUMPY');
    assert.deepEqual([buf[6], buf[7]], [1, 0]);
    const headerLength = buf.readUInt16LE(8);
    assert.equal((10 + headerLength) % 64, 0, 'header padded to 64 bytes');
    const header = buf.subarray(10, 10 + headerLength).toString('latin1');
    assert.match(header, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(224, 224\), \} *\n$/);
    assert.equal(buf.length - 10 - headerLength, 4 * 224 * 224);
    const data = new Float32Array(224 * 224).map((_, i) => buf.readFloatLE(10 + headerLength + 4 * i));
    return data;
  };
  for (const method of ['cam', 'gradcam']) {
    for (const im of images) {
      const v = read(join(dir, 'maps', method, `${im.id}.npy`));
      assert.equal(Math.min(...v), 0);
      assert.equal(Math.max(...v), 1);
    }
    // wsolevaluation's evaluator on these files gives the summary's MaxBoxAcc and V2.
    const acc = new MaxBoxAccAccumulator();
    images.forEach((im, k) => {
      const values = Float64Array.from(read(join(dir, 'maps', method, `${im.id}.npy`)));
      acc.add({ width: 224, height: 224, values }, gtBoxesToScoremap([im.box], top1Maps.results[k]!.width, top1Maps.results[k]!.height));
    });
    assert.equal(acc.result().v1, summary.methods[method]!.maxboxacc);
    assert.equal(acc.result().v2, summary.methods[method]!.maxboxacc_v2);
    // The mislabelled copy is exported with its ground-truth class's map, not the predicted one.
    const a = read(join(dir, 'maps', method, `images/a/${crossFile()}.npy`));
    const c = read(join(dir, 'maps', method, `images/c/${crossFile()}.npy`));
    assert.ok(a.some((x, i) => x !== c[i]));
  }
});

test('the project holds one done run per method with maps, boxes and evaluations', () => {
  const store = ProjectStore.open(project, { readonly: true });
  try {
    const runs = store.listRuns();
    assert.deepEqual(
      runs.map((r) => [r.method, r.status, r.done, r.total, r.target]),
      [
        ['cam', 'done', images.length, images.length, 'top1'],
        ['gradcam', 'done', images.length, images.length, 'top1'],
      ],
    );
    const imageIds = store.allImageIds();
    const img = store.getImage(imageIds.at(-1)!)!;
    assert.equal(img.gtLabel, 0);
    assert.deepEqual(
      img.gtBoxes.map((b) => b.box),
      [images.at(-1)!.box],
    );
    const evaluation = store.getEvaluation(runs[0]!.id, img.id)!;
    assert.equal(evaluation.metrics.gt_known_loc, boxIoU(gtMap(images.length - 1, 'cam').box!, img.gtBoxes[0]!.box) >= 0.5 ? 1 : 0);
    assert.equal(store.getMap(runs[0]!.id, img.id)!.classIndex, top1Maps.results.at(-1)!.predictions[0]!.index, 'the stored map is the top-1 one');
    // What the WSOL view asks: the run's images sorted by IoU, each with its one map.
    const page = store.queryImages({ offset: 0, limit: 50, filters: { runId: runs[1]!.id }, sort: 'iou', order: 'desc' });
    assert.equal(page.total, images.length);
    assert.ok(page.rows.every((r) => r.iou !== null && store.getMap(runs[1]!.id, r.id) !== null));
  } finally {
    store.close();
  }
});

test('a rerun resumes: it computes only the images a run lacks and reads the others back', async () => {
  const db = new Database(project);
  const runIds = db.prepare('SELECT id FROM runs ORDER BY id').pluck().all() as number[];
  const [lost, ...others] = db.prepare('SELECT id FROM images ORDER BY id').pluck().all() as number[];
  const metricsOf = (run: number, image: number) =>
    JSON.parse(db.prepare('SELECT metrics FROM evaluations WHERE run_id = ? AND image_id = ?').pluck().get(run, image) as string);
  const tampered = others.find((id) => metricsOf(runIds[0]!, id).gt_known_loc === 1)!;
  // Image `lost` is forgotten by both runs, as if the process died before its batch committed …
  for (const run of runIds) {
    db.prepare('DELETE FROM maps WHERE run_id = ? AND image_id = ?').run(run, lost);
    db.prepare('DELETE FROM evaluations WHERE run_id = ? AND image_id = ?').run(run, lost);
    db.prepare('UPDATE run_images SET done = 0 WHERE run_id = ? AND image_id = ?').run(run, lost);
    db.prepare(`UPDATE runs SET done = done - 1, status = 'running' WHERE id = ?`).run(run);
  }
  // … and a stored number of image `tampered` is changed: a rerun that recomputed it would not see that.
  const stored = metricsOf(runIds[0]!, tampered);
  db.prepare('UPDATE evaluations SET metrics = ? WHERE run_id = ? AND image_id = ?').run(
    JSON.stringify({ ...stored, gt_known_loc: 0 }),
    runIds[0],
    tampered,
  );
  // … and another image in the Grad-CAM run holds a row without metrics, as the app writes when it
  // resumes a crashed run: that one is evaluated again.
  const appResumed = others.find((id) => id !== tampered)!;
  db.prepare(`UPDATE evaluations SET metrics = '{}' WHERE run_id = ? AND image_id = ?`).run(runIds[1], appResumed);
  db.close();

  const r = await runCli(evalArgs(join(dir, 'second.json')));
  assert.equal(r.code, 0, r.stderr);
  const second = readJson<EvaluationSummary>(join(dir, 'second.json'));
  const expected = structuredClone(summary);
  const hits = Math.round((summary.methods.cam!.gt_known_loc! * images.length) / 100);
  expected.methods.cam!.gt_known_loc = (100 * (hits - 1)) / images.length;
  // The tampered number moves its own interval and paired test; every other one is as before.
  for (const u of [expected.uncertainty!, second.uncertainty!]) {
    delete (u.methods.cam as Partial<typeof u.methods.cam>).gt_known_loc;
    delete (u.comparisons['cam|gradcam'] as Partial<(typeof u.comparisons)[string]>).gt_known_loc;
  }
  assert.deepEqual(second, expected);

  const store = ProjectStore.open(project, { readonly: true });
  try {
    assert.deepEqual(
      store.listRuns().map((x) => [x.id, x.status, x.done]),
      runIds.map((id) => [id, 'done', images.length]),
      'the same runs, completed',
    );
    assert.ok(store.getEvaluation(runIds[1]!, lost), 'the lost image was evaluated again');
    assert.deepEqual(store.getEvaluation(runIds[1]!, appResumed)!.metrics, {}, 'a row is never written twice');
  } finally {
    store.close();
  }
});
