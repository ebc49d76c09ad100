// The sanity view's arithmetic (mean ± sd bands, verdict words, default images), by hand, and the mock transport's
// sanity channels as the view uses them under ?mock=1 (its responses match the IPC contract; its verdicts follow the shared rule).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { channels, type EventPayload } from '../../src-shared/ipc.js';
import { DEGRADE_BELOW, sanityVerdict, shortNode } from '../../src-shared/sanityTypes.js';
import { createMockTransport } from '../../src-renderer/transport/mockTransport.js';
import { DEFAULT_SANITY_IMAGES, defaultSanityImages, degradeVerdict, similarityBand } from '../../src-renderer/lib/sanity.js';

const sim = (spearman: number | null, spearman_abs: number | null = spearman, ssim: number | null = spearman) => ({ spearman, spearman_abs, ssim });

test('similarity bands: per step the mean and mean ± population sd over the images, nulls left out', () => {
  // Step 0: images 1 and 3 → mean 2, sd 1. Step 1: no image defines it.
  const scores = {
    cascading: [
      [sim(1), sim(3), sim(null)],
      [sim(null), sim(null), sim(null)],
    ],
    independent: [],
    random_logit: [],
  };
  assert.deepEqual(similarityBand(scores, 'cascading', 'spearman'), { mean: [2, null], lo: [1, null], hi: [3, null], n: [2, 0] });
  assert.deepEqual(similarityBand(scores, 'independent', 'ssim'), { mean: [], lo: [], hi: [], n: [] });
});

test('verdicts: the shared rule on the last cascading step, in words; no cascade, no verdict', () => {
  const rl = sim(0.2);
  assert.deepEqual(sanityVerdict([sim(0.9), sim(-(DEGRADE_BELOW - 0.01))], rl), { degrades: true, class_sensitive: true });
  assert.deepEqual(sanityVerdict([sim(0.1), sim(null, DEGRADE_BELOW)], sim(0.96)), { degrades: false, class_sensitive: false });
  assert.deepEqual(sanityVerdict([], rl).degrades, null);
  assert.deepEqual(
    [true, false, null].map((degrades) => degradeVerdict({ degrades }).text),
    ['degrades', 'fails to degrade', 'not judged (no cascade)'],
  );
  assert.equal(shortNode('/features/conv5/Conv'), 'conv5/Conv');
  assert.equal(shortNode('logits'), 'logits');
});

test('default images: the selection when there is one, else the gallery order, at most 8', () => {
  const gallery = Array.from({ length: 20 }, (_, i) => i + 1);
  assert.deepEqual(defaultSanityImages([], gallery), gallery.slice(0, DEFAULT_SANITY_IMAGES));
  assert.deepEqual(defaultSanityImages([7, 3], gallery), [7, 3]);
});

test('mock: a finished check with strips and per-image scores; a started one reports progress to done', async () => {
  const t = createMockTransport({ latencyMs: 0 });
  const [check] = await t.invoke('sanity.list', {});
  const r = channels['sanity.result'].response.parse(await t.invoke('sanity.result', { checkId: check!.id }));
  assert.equal(r.summary.methods.eigencam!.degrades, false, 'the mock keeps one method from degrading');
  assert.equal(r.summary.methods.gradcam!.degrades, true);
  const strip = channels['sanity.strip'].response.parse(await t.invoke('sanity.strip', { checkId: check!.id, imageId: check!.imageIds[1]! }));
  assert.equal(strip.cam!.length, 1 + r.summary.nodes.length);
  await assert.rejects(t.invoke('sanity.strip', { checkId: check!.id, imageId: 9999 }), /not in sanity check/);

  const events: EventPayload<'sanity.progress'>[] = [];
  t.on('sanity.progress', (p) => events.push(p));
  const finished = new Promise<EventPayload<'sanity.finished'>>((resolve) => t.on('sanity.finished', resolve));
  const keepAlive = setInterval(() => {}, 50); // the mock's timer is unref'd, as a run's is
  const started = await t.invoke('sanity.start', { modelId: 1, methods: ['gradcam'], imageIds: [1, 2], modes: ['independent'] });
  assert.deepEqual(await finished, { checkId: started.id, status: 'done', error: null });
  clearInterval(keepAlive);
  assert.deepEqual(events.at(-1), { checkId: started.id, done: 7, total: 7 });
  const independent = await t.invoke('sanity.result', { checkId: started.id });
  assert.equal(independent.summary.methods.gradcam!.degrades, null, 'independent only: no verdict');
});
