// The explain worker's batch loop (explainImages) decodes each batch once — its prefetch of batch n+1 is what batch
// n+1 takes, not decoded again — and gives explain()'s results; toInputTensor's table equals the per-pixel formula.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Explainer } from '../../src-main/explain/explainer.js';
import { parseMethod } from '../../src-main/explain/methods/index.js';
import { PRESETS, toInputTensor } from '../../src-main/model/preprocessing.js';
import { explainImages, type WorkerMessage } from '../../src-main/services/explainWorker.js';
import type { ImageResult, Preprocessing } from '../../src-shared/explainTypes.js';
import { rng } from '../../src-shared/random.js';

const dir = mkdtempSync(join(tmpdir(), 'camscope-explainimages-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test("the explain worker's loop decodes each batch once and gives explain()'s results", { timeout: 240_000 }, async () => {
  const files: string[] = [];
  for (let i = 0; i < 7; i++) {
    const r = rng(40 + i);
    const data = Buffer.from(Array.from({ length: 96 * 80 * 3 }, () => Math.floor(256 * r())));
    const file = join(dir, `img${i}.${i % 2 ? 'png' : 'jpg'}`);
    const img = sharp(data, { raw: { width: 96, height: 80, channels: 3 } }).blur(1.5);
    await (i % 2 ? img.png() : img.jpeg()).toFile(file);
    files.push(file);
  }
  const ex = await Explainer.open('models/shapes-gap.onnx');
  try {
    const decoded: string[][] = [];
    const target = ex as unknown as { decodeBatch(files: string[]): Promise<unknown> };
    const decode = target.decodeBatch.bind(ex);
    target.decodeBatch = (batch: string[]) => (decoded.push(batch), decode(batch));
    const opts = { methods: ['cam', 'gradcam'].map(parseMethod), target: 'top1' as const, batchSize: 3 };
    const sent: ImageResult[] = [];
    await explainImages(
      ex,
      files.map((path, id) => ({ id, path })),
      opts,
      (m: WorkerMessage) => {
        assert.equal(m.type, 'batch');
        if (m.type === 'batch') sent.push(...m.results.map((r) => r.result));
      },
    );
    // Batch n+1's decode starts (its prefetch) before batch n's.
    assert.deepEqual(decoded, [files.slice(3, 6), files.slice(0, 3), files.slice(6)], 'three batches, each decoded once');
    target.decodeBatch = decode;
    assert.deepEqual(sent, await ex.explain(files, opts));
  } finally {
    await ex.close();
  }
});

test('toInputTensor writes v·1/(255·std) − mean/std of every pixel into its plane', () => {
  const r = rng(9);
  const [width, height] = [13, 7];
  const rgb = Uint8Array.from({ length: width * height * 3 }, () => Math.floor(256 * r()));
  for (const preset of Object.values(PRESETS)) {
    const p: Preprocessing = { width, height, mean: [...preset.mean], std: [...preset.std], source: 'test' };
    const out = new Float32Array(2 + 3 * width * height);
    toInputTensor(rgb, p, out, 2);
    const want = new Float32Array(out.length);
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < width * height; i++) want[2 + c * width * height + i] = rgb[i * 3 + c]! * (1 / (255 * p.std[c]!)) - p.mean[c]! / p.std[c]!;
    assert.deepEqual(out, want);
  }
});
