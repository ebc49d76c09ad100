// Sanity checks (Adebayo et al. 2018): SSIM against skimage (scripts/fixtures/makeSsimReference.py,
// developer-run), the randomization of the ONNX file, and `camscope sanity` on the bundled shapes-gap model:
// the cascade changes Grad-CAM's maps monotonically in trend and the random-logit map differs; --project stores the check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { DEMO_MODEL, writeDemoDataset } from './evalFixtures.js';
import { ssim } from '../../src-main/evaluation/metrics/index.js';
import { parametrizedNodes, randomizeNodes } from '../../src-main/evaluation/sanity/modelRandomization.js';
import { mapSimilarity } from '../../src-main/evaluation/sanity/sanityChecks.js';
import { decodeTensor, loadModelFile } from '../../src-main/onnx/onnxModel.js';
import { averageRanks, pearsonValues } from '../../src-shared/mapAgreement.js';
import type { SanitySummary } from '../../src-shared/sanityTypes.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';

const ssimRef = JSON.parse(readFileSync(new URL('../fixtures/sanity/ssim.json', import.meta.url), 'utf8')) as {
  cases: { name: string; width: number; height: number; a: number[]; b: number[]; ssim: number }[];
};

test("SSIM equals skimage's structural_similarity (Gaussian σ 1.5, data range 1)", () => {
  for (const c of ssimRef.cases) {
    assert.ok(Math.abs(ssim(c.a, c.b, c.width, c.height) - c.ssim) < 1e-12, c.name);
    assert.ok(Math.abs(ssim(c.a, c.a, c.width, c.height) - 1) < 1e-12, `${c.name} with itself`);
  }
  assert.throws(() => ssim([0], [0], 1, 1), /larger than 10×10/);
});

test('map similarity by hand: the same map → 1; its negation → Spearman −1, |Spearman| 1', () => {
  const values = Float32Array.from({ length: 16 }, (_, i) => ((i * 7) % 16) - 5);
  const map = { width: 4, height: 4, values };
  const same = mapSimilarity(map, map, 16, 16);
  assert.deepEqual([same.spearman, same.spearman_abs], [1, 1]);
  assert.ok(Math.abs(same.ssim! - 1) < 1e-12);
  const neg = mapSimilarity(map, { ...map, values: values.map((v) => -v) }, 16, 16);
  assert.ok(Math.abs(neg.spearman! + 1) < 1e-12);
  assert.ok(Math.abs(neg.spearman_abs! - 1) < 1e-12);
});

test('randomization: parametrized nodes logits first; only the chosen initializers redrawn, at their own mean and std, seeded', () => {
  const { model } = loadModelFile(DEMO_MODEL);
  const nodes = parametrizedNodes(model);
  assert.deepEqual(
    nodes.map((n) => n.op),
    ['Gemm', 'Conv', 'Conv', 'Conv', 'Conv', 'Conv'],
  );
  const random = randomizeNodes(model, nodes.slice(0, 2), 7);
  const byName = (m: typeof model) => new Map(m.graph!.initializer!.map((t) => [t.name!, decodeTensor(t)]));
  const [before, after] = [byName(model), byName(random)];
  const touched = new Set(nodes.slice(0, 2).flatMap((n) => n.initializers));
  const stats = (x: Float32Array) => {
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    return [mean, Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length)] as const;
  };
  for (const [name, t] of before) {
    const r = after.get(name)!;
    assert.deepEqual(r.dims, t.dims);
    if (!touched.has(name)) {
      assert.deepEqual(r.data, t.data, `${name} untouched`);
      continue;
    }
    const [m0, s0] = stats(t.data as Float32Array);
    const [m1, s1] = stats(r.data as Float32Array);
    const n = (t.data as Float32Array).length;
    if (n >= 100) {
      assert.ok(Math.abs(m1 - m0) < (4 * s0) / Math.sqrt(n) + 1e-7 && Math.abs(s1 / s0 - 1) < 0.2, `${name}: mean ${m0}→${m1}, std ${s0}→${s1}`);
      const rho = pearsonValues(averageRanks(t.data as Float32Array), averageRanks(r.data as Float32Array))!;
      assert.ok(Math.abs(rho) < 0.1, `${name}: the learned values are gone (ρ ${rho})`);
    }
  }
  assert.deepEqual(
    byName(randomizeNodes(model, nodes.slice(0, 2), 7)).get(nodes[0]!.initializers[0]!),
    after.get(nodes[0]!.initializers[0]!),
    'seeded',
  );
});

test('camscope sanity on shapes-gap: Grad-CAM degrades along the cascade (in trend), the random-logit map differs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-sanity-'));
  writeDemoDataset(join(dir, 'ds'));
  const r = await runCli([
    'sanity',
    '--model',
    DEMO_MODEL,
    '--dataset',
    join(dir, 'ds'),
    '--methods',
    'cam,gradcam',
    '--limit',
    '2',
    '--json',
    join(dir, 's.json'),
    '--report',
    join(dir, 's.html'),
    '--project',
    join(dir, 'p.camscope'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')) as SanitySummary;
  assert.equal(s.nodes.length, 6);
  for (const m of ['cam', 'gradcam']) {
    const curve = s.methods[m]!.cascading.map((c) => c.spearman_abs!);
    assert.equal(curve.length, 6);
    // Monotone in trend: the rank correlation of similarity with the step is strongly negative, and it ends far below where it starts.
    const trend = pearsonValues(averageRanks(curve.map((_, k) => k)), averageRanks(curve))!;
    assert.ok(trend <= -0.6, `${m} cascade ${curve.map((v) => v.toFixed(2))}: trend ${trend}`);
    assert.ok(curve[0]! - curve.at(-1)! > 0.4 && Math.abs(curve.at(-1)!) < 0.5, `${m} cascade ${curve.map((v) => v.toFixed(2))}`);
    assert.equal(s.methods[m]!.degrades, true);
    const logit = s.methods[m]!.random_logit;
    assert.ok(logit.spearman! < 0.95 && logit.ssim! < 0.9, `${m} random logit ${JSON.stringify(logit)}`);
    assert.equal(s.methods[m]!.class_sensitive, true);
    assert.equal(s.methods[m]!.independent.length, 6);
  }
  assert.match(r.stderr, /gradcam: .* degrades/);
  const html = readFileSync(join(dir, 's.html'), 'utf8');
  assert.equal((html.match(/<img src="data:image\/png/g) ?? []).length, 2 * 7, 'the strip: original + 6 steps per method');
  assert.match(html, /Every method's maps degrade/);

  // --project: the two images, the model and the check, done, with the summary the JSON holds, for the app's Sanity view.
  const store = ProjectStore.open(join(dir, 'p.camscope'), { readonly: true });
  try {
    const [check] = store.listSanityChecks();
    assert.deepEqual(
      [check!.status, check!.imageIds.length, check!.methods, check!.modes],
      ['done', 2, ['cam', 'gradcam'], ['cascading', 'independent']],
    );
    assert.deepEqual(store.getSanityResult(check!.id)!.summary, s);
    assert.equal(store.getSanityStrip(check!.id, check!.imageIds[0]!)!.gradcam!.length, 7);
  } finally {
    store.close();
  }
});
