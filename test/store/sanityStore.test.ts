// Sanity checks in the store: a project from before the sanity-check migration opens with its rows unchanged and
// no checks; what a check records comes back in the check's image order; a result missing an image is refused whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openProjectDatabase } from '../../src-main/store/database.js';
import { MIGRATIONS } from '../../src-main/store/migrations.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import { sampleImage, tempProject } from './storeFixtures.js';

const SANITY_VERSION = MIGRATIONS.findIndex((m) => m.name === 'sanity checks');
const sim = (v: number) => ({ spearman: v, spearman_abs: Math.abs(v), ssim: v / 2 });

test('an older project migrates with its rows and no sanity checks', (t) => {
  const file = tempProject(t);
  const old = openProjectDatabase(file, { create: true, migrations: MIGRATIONS.slice(0, SANITY_VERSION) });
  old.prepare("INSERT INTO images (path, sha256, width, height, added_at) VALUES ('a.png', ?, 4, 3, 'then')").run(sampleImage(0).sha256);
  old.close();
  const store = ProjectStore.open(file);
  try {
    assert.equal(store.imageCount(), 1);
    assert.deepEqual(store.listSanityChecks(), []);
  } finally {
    store.close();
  }
});

test('a recorded check reads back per image in its order; an incomplete result is refused and nothing is written', (t) => {
  const store = ProjectStore.create(tempProject(t));
  try {
    const { ids } = store.addImages([sampleImage(0), sampleImage(1)]);
    const modelId = store.addModel({
      path: 'm.onnx',
      sha256: 'a'.repeat(64),
      input: { name: 'x', shape: [1, 3, 4, 4] },
      preprocessing: { width: 4, height: 4, mean: [0, 0, 0], std: [1, 1, 1], source: 'test' },
      labels: null,
      labelOffset: 0,
      numClasses: 2,
      defaultLayer: 'f',
    });
    const order = [ids[1]!, ids[0]!];
    const id = store.createSanityCheck(modelId, order, { methods: ['gradcam'], modes: ['cascading'], seed: 3, layer: null });
    const step = { node: 'fc', op: 'Gemm', ...sim(0.5) };
    const summary = {
      model: 'm.onnx',
      layer: 'f',
      images: 2,
      seed: 3,
      nodes: [{ node: 'fc', op: 'Gemm' }],
      methods: { gradcam: { cascading: [step], independent: [], random_logit: sim(0.1), degrades: false, class_sensitive: true } },
      refused: {},
    };
    const grid = (v: number) => ({ width: 2, height: 1, values: Float32Array.of(v, -v) });
    const perImage = { gradcam: { cascading: [[sim(0.4), sim(0.6)]], independent: [], random_logit: [sim(0.2), sim(0)] } };
    assert.throws(
      () => store.recordSanityResult(id, { summary, perImage: { gradcam: { ...perImage.gradcam, random_logit: [sim(0.2)] } }, strips: {} }),
      /random_logit step 0 has 1 of 2 images/,
    );
    assert.equal(store.getSanityResult(id), null, 'nothing of the refused result');
    store.recordSanityResult(id, {
      summary,
      perImage,
      strips: {
        gradcam: [
          [grid(1), grid(2)],
          [grid(3), grid(4)],
        ],
      },
    });
    assert.deepEqual(store.getSanityResult(id), { summary, perImage });
    assert.deepEqual(store.getSanityCheck(id)!.imageIds, order);
    // ids[0] is the check's second image: its strip is the second one recorded.
    assert.deepEqual(
      store.getSanityStrip(id, ids[0]!)!.gradcam!.map((g) => Array.from(g.values)),
      [
        [3, -3],
        [4, -4],
      ],
    );
    assert.equal(store.getSanityStrip(id, 999), null);
    assert.throws(
      () => store.createSanityCheck(modelId, [ids[0]!, ids[0]!], { methods: ['cam'], modes: ['cascading'], seed: 0, layer: null }),
      /lists an image twice/,
    );
  } finally {
    store.close();
  }
});
