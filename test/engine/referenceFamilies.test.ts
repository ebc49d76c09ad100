// Every torchvision-like family: maps from ONNX gradient graphs vs PyTorch autograd references.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClassifierModel } from '../../src-main/model/classifierModel.js';
import { camHeadAt } from '../../src-main/model/camHead.js';
import { ExplainEngine } from '../../src-main/explain/engine.js';
import { METHODS } from '../../src-main/explain/methods/index.js';
import { softmax } from '../../src-main/explain/explainer.js';
import { referenceFixtures, referenceInput, relMaxDiff } from '../helpers/referenceFixtures.js';
import { referenceKeyMap } from '../helpers/referenceMaps.js';

const TOLERANCE = 1e-4;
/**
 * onnxruntime's float32 activations and gradients differ from torch's by up to 1.7e-5 of their
 * max |·| (measured over all fixtures when this was written), and some formulas amplify that: the
 * fixture's `sensitivity` κ of a map is its relative change per unit of relative noise on A and g
 * (uniform noise of full amplitude on every element, which overstates ORT's differences: the
 * observed errors are ≤ 3.3e-6·κ over all fixtures). Where κ·INPUT_DIFFERENCE exceeds TOLERANCE it
 * is the tolerance instead. That happens for Grad-CAM++ (either denominator can nearly cancel:
 * the paper's on signed layers, TorchCAM's Σ A g³ on any layer; errors up to 1.5e-2), XGrad-CAM
 * (Σ A of a signed channel near 0) and HiResCAM at ConvNeXt's mid layer, which feeds a channel
 * LayerNorm: LayerNorm is scale invariant, so Σ_k g_k A_k = 0 per position up to rounding, the
 * reference is noise (≈3e-7 of Σ_k |g_k A_k|, κ ≈ 1e7) and only "TypeScript gives ≈ 0 too" is
 * checked there. Eigen-CAM and Score-CAM meet TOLERANCE as they are: no Pearson fallback is used.
 */
const INPUT_DIFFERENCE = 1e-5;
/** Tolerances above this are listed in the test's diagnostics: the reference is barely determined in float32. */
const LOOSE = 1e-2;
const fixtures = referenceFixtures();

test('reference fixtures are present', () => {
  assert.ok(fixtures.length >= 2, `found ${fixtures.length} fixtures`);
});

for (const { json, model: file, fixture } of fixtures) {
  test(`${json}: top-5, default layer, CAM applicability and maps match PyTorch`, async () => {
    const model = await ClassifierModel.open(file);
    assert.equal(model.defaultLayer(), fixture.default_layer.tensor, 'default target layer');
    const head = camHeadAt(model, fixture.default_layer.tensor);
    assert.equal(head.ok, fixture.cam.applicable, `CAM applicability: ${head.ok ? 'ok' : head.reason}`);
    if (!head.ok && !fixture.cam.applicable) {
      assert.match(head.reason, new RegExp(`\\b${fixture.cam.blocking_op}\\b`), 'refusal names the blocking op');
    }

    const engine = new ExplainEngine(model);
    const shape = fixture.input.shape;
    const n = shape[0];
    const input = referenceInput(shape);
    const layers = fixture.layers.map((l) => l.tensor);
    const targets = fixture.layers[0]!.targets;
    const out = await engine.backward(input, n, layers, targets);
    const top1 = await engine.backward(input, n, layers, ['top1', 'top1']);

    for (let row = 0; row < n; row++) {
      const logits = out.logits.subarray(row * fixture.num_classes, (row + 1) * fixture.num_classes);
      const probs = softmax(logits);
      const order = Array.from(probs.keys()).sort((a, b) => probs[b]! - probs[a]!);
      assert.deepEqual(
        order.slice(0, 5),
        fixture.top5[row]!.map((p) => p.index),
        `top-5 of row ${row}`,
      );
      fixture.top5[row]!.forEach((p) => assert.ok(Math.abs(probs[p.index]! - p.score) < 1e-4, `score of class ${p.index}`));
    }

    for (const ref of fixture.layers) {
      const o = out.layers.get(ref.tensor)!;
      assert.deepEqual(o.dims, ref.shape, `shape of ${ref.tensor}`);
      const [, channels, h, w] = o.dims;
      const size = h * w;
      for (let row = 0; row < n; row++) {
        const slice = (t: Float32Array) => t.subarray(row * channels * size, (row + 1) * channels * size);
        const input = { activation: slice(o.activations), gradient: slice(o.gradients!), channels, size, target: ref.targets[row]! };
        const gradcam = METHODS.gradcam.compute(input);
        const err = relMaxDiff(gradcam, ref.gradcam[row]!);
        assert.ok(err <= TOLERANCE, `Grad-CAM at ${ref.role} layer ${ref.tensor}, row ${row}: rel. error ${err}`);
        const viaTop1 = top1.layers.get(ref.tensor)!;
        assert.ok(relMaxDiff(slice(viaTop1.gradients!), slice(o.gradients!)) === 0, 'in-graph top-1 seed equals the explicit target');
        if (ref.cam) {
          assert.ok(head.ok);
          const cam = METHODS.cam.compute({ ...input, head });
          const camErr = relMaxDiff(cam, ref.cam[row]!);
          assert.ok(camErr <= TOLERANCE, `CAM row ${row}: rel. error ${camErr}`);
        }
      }
    }
    await engine.release();
  });
}

for (const { json, model: file, fixture } of fixtures) {
  const withMethods = fixture.layers.filter((l) => l.methods);
  if (withMethods.length === 0) continue;
  test(`${json}: every method at ${withMethods.map((l) => l.role).join(' and ')} layers matches PyTorch`, async (t) => {
    const model = await ClassifierModel.open(file);
    const engine = new ExplainEngine(model);
    const shape = fixture.input.shape;
    const n = shape[0];
    const input = referenceInput(shape);
    const layers = withMethods.map((l) => l.tensor);
    const targets = withMethods[0]!.targets;
    // One run per score; head feeds exposed for Ablation-/Recipro-CAM's head passes.
    const runs = {
      logit: await engine.backward(input, n, layers, targets, { heads: layers }),
      softmax: await engine.backward(input, n, layers, targets, { score: 'softmax' }),
    };
    const worst = new Map<string, number>();
    const notes: string[] = [];
    let widened = 0;
    for (const ref of withMethods) {
      assert.ok(ref.methods);
      for (const [key, rows] of Object.entries(ref.methods)) {
        for (let row = 0; row < n; row++) {
          const got = await referenceKeyMap(engine, runs, key, ref.tensor, row, ref.targets[row]!, input);
          const want = rows[row]!;
          const what = `${key} at ${ref.role} layer ${ref.tensor}, row ${row}`;
          assert.equal(got.length, want.length, `${what}: map size`);
          // An all-zero reference (ReLU of a negative map) is compared absolutely: TypeScript must give ~0 too.
          if (!want.some((v) => v !== 0)) notes.push(`${key} ${ref.role} row ${row}: all-zero reference`);
          const err = relMaxDiff(got, want);
          const kappa = ref.sensitivity?.[key]?.[row] ?? 0;
          const tol = Math.max(TOLERANCE, kappa * INPUT_DIFFERENCE);
          if (tol > TOLERANCE) widened++;
          if (tol > LOOSE) notes.push(`${key} ${ref.role} row ${row}: sensitivity ${kappa}, error ${err.toExponential(1)} ≤ ${tol.toExponential(1)}`);
          worst.set(key, Math.max(worst.get(key) ?? 0, err));
          assert.ok(err <= tol, `${what}: rel. error ${err} > ${tol}${kappa ? ` (sensitivity ${kappa})` : ''}`);
        }
      }
    }
    t.diagnostic(`max rel. error: ${[...worst].map(([k, e]) => `${k} ${e.toExponential(1)}`).join(', ')}`);
    t.diagnostic(`${widened} comparisons with a tolerance widened by sensitivity`);
    for (const note of notes) t.diagnostic(note);
    await engine.release();
  });
}
