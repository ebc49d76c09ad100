// Vision transformers (torchvision ViT at opset 14 and 17, DeiT-style, mean-pool ViT, Swin): default
// layer, layouts, every method's map on the token / channels-last grid and attention rollout vs PyTorch
// references; the Swin attention output, channels-last but unprovable, refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClassifierModel } from '../../src-main/model/classifierModel.js';
import { camHeadAt } from '../../src-main/model/camHead.js';
import { ExplainEngine } from '../../src-main/explain/engine.js';
import { parseMethod } from '../../src-main/explain/methods/index.js';
import { Explainer, attentionMaps, softmax } from '../../src-main/explain/explainer.js';
import { attentionOf } from '../../src-main/model/attention.js';
import { pearsonValues } from '../../src-shared/mapAgreement.js';
import { referenceKeyMap } from '../helpers/referenceMaps.js';
import { referenceInput, relMaxDiff } from '../helpers/referenceFixtures.js';
import { transformerFixtures } from '../helpers/transformerFixtures.js';

/** The issue's bar for every map: Pearson's r ≥ 0.9999 and max |error| ≤ 1e-3 of the reference's max. */
const MIN_PEARSON = 0.9999;
const MAX_ERROR = 1e-3;
/**
 * As in test/engine/referenceFamilies.test.ts: maps whose formula amplifies float32 differences
 * between onnxruntime and torch (the fixture's sensitivity κ per unit of relative noise on A and g)
 * get κ·1e-5 where that exceeds MAX_ERROR; Pearson's r is then not required either.
 */
const INPUT_DIFFERENCE = 1e-5;
const fixtures = transformerFixtures();

test('transformer fixtures are present', () => {
  assert.ok(fixtures.length >= 5, `found ${fixtures.length} fixtures`);
});

function expectMap(got: ArrayLike<number>, want: number[], what: string, kappa = 0): number {
  assert.equal(got.length, want.length, `${what}: map size`);
  const err = relMaxDiff(got, want);
  const tol = Math.max(MAX_ERROR, kappa * INPUT_DIFFERENCE);
  assert.ok(err <= tol, `${what}: max error ${err} of max > ${tol}`);
  const r = pearsonValues(got, want);
  if (tol === MAX_ERROR && r !== null) assert.ok(r >= MIN_PEARSON, `${what}: Pearson ${r}`);
  return err;
}

for (const { json, model: file, fixture } of fixtures) {
  test(`${json}: conventional default layer, proven layout, top-5 and every method's map match PyTorch`, async (t) => {
    const model = await ClassifierModel.open(file);
    assert.equal(model.defaultLayer(), fixture.default_layer, 'default layer: first LayerNorm of the last block');
    const layout = model.mapLayoutOf(fixture.default_layer);
    assert.ok(typeof layout !== 'string', `layout: ${String(layout)}`);
    assert.equal(layout.tokens?.prefix ?? 0, fixture.layout.prefix, 'prefix tokens');
    assert.deepEqual([layout.height, layout.width], fixture.layout.grid, 'grid');
    assert.equal(!!layout.tokens, fixture.layout.kind === 'tokens', 'token or channels-last');

    const engine = new ExplainEngine(model);
    const shape = fixture.input.shape;
    const n = shape[0];
    const input = referenceInput(shape);
    const layers = fixture.layers.map((l) => l.tensor);
    const targets = fixture.layers[0]!.targets;
    const runs = {
      logit: await engine.backward(input, n, layers, targets, { heads: layers }),
      softmax: await engine.backward(input, n, layers, targets, { score: 'softmax' }),
    };
    for (let row = 0; row < n; row++) {
      const probs = softmax(runs.logit.logits.subarray(row * fixture.num_classes, (row + 1) * fixture.num_classes));
      const order = Array.from(probs.keys()).sort((a, b) => probs[b]! - probs[a]!);
      assert.deepEqual(
        order.slice(0, 5),
        fixture.top5[row]!.map((p) => p.index),
        `top-5 of row ${row}`,
      );
    }
    const worst = new Map<string, number>();
    for (const ref of fixture.layers) {
      assert.ok(model.candidateTensors().includes(ref.tensor), `${ref.tensor} is a candidate`);
      const head = camHeadAt(model, ref.tensor);
      assert.equal(head.ok, 'cam' in ref.methods, `CAM applicability at ${ref.role}: ${head.ok ? 'ok' : head.reason}`);
      assert.deepEqual(runs.logit.layers.get(ref.tensor)!.dims.slice(1), ref.map_shape, `map shape of ${ref.tensor}`);
      for (const [key, rows] of Object.entries(ref.methods)) {
        for (let row = 0; row < n; row++) {
          const got = await referenceKeyMap(engine, runs, key, ref.tensor, row, ref.targets[row]!, input, head.ok ? head : undefined);
          const kappa = ref.sensitivity?.[key]?.[row] ?? 0;
          const err = expectMap(got, rows[row]!, `${key} at ${ref.role} ${ref.tensor}, row ${row}`, kappa);
          worst.set(key, Math.max(worst.get(key) ?? 0, err));
        }
      }
    }
    t.diagnostic(`max rel. error: ${[...worst].map(([k, e]) => `${k} ${e.toExponential(1)}`).join(', ')}`);
    await engine.release();
  });
}

const swin = fixtures.find((f) => f.fixture.unprovable_layer);
test('Swin: the attention output (channels-last after window merge and reverse roll) is refused, never mapped', async () => {
  assert.ok(swin, 'the Swin fixture is present');
  const model = await ClassifierModel.open(swin.model);
  const { tensor, op } = swin.fixture.unprovable_layer!;
  assert.equal(op, 'Slice');
  assert.equal(model.shapeOf(tensor)?.length, 4, 'it is a 4-D tensor a shape-based guess would take for NCHW');
  assert.ok(!model.candidateTensors().includes(tensor), 'not offered');
  assert.throws(
    () => model.resolveLayer(tensor),
    /is not a candidate layer: its axes cannot be proven to be a feature map: .*(Slice|Concat|Reshape) node/,
  );
  assert.ok(!model.candidateTensors().some((t) => /\/attn\//.test(t) && !/Pad_output/.test(t)), 'no tensor inside the window attention is offered');
});

for (const { json, model: file, fixture } of fixtures) {
  test(`${json}: attention rollout from the attention Softmax outputs matches PyTorch, or is refused with the reason`, async () => {
    const model = await ClassifierModel.open(file);
    const spec = attentionOf(model, fixture.default_layer);
    if (!fixture.attention) {
      assert.equal(typeof spec, 'string');
      assert.match(spec as string, fixture.layout.kind === 'nhwc' ? /not a token layer/ : /no class token/);
      const explainer = await Explainer.open(file, { preset: 'none' });
      assert.throws(() => explainer.prepare({ methods: [parseMethod('rollout')], target: 'top1' }), /Attention rollout does not apply at/);
      await explainer.close();
      return;
    }
    assert.ok(typeof spec !== 'string', String(spec));
    assert.deepEqual(spec.tensors, fixture.attention.softmax, 'one Softmax per block, in order');
    assert.equal(spec.prefix, fixture.layout.prefix);
    const engine = new ExplainEngine(model);
    const shape = fixture.input.shape;
    const out = await engine.forward(referenceInput(shape), shape[0], [fixture.default_layer], { expose: spec.tensors });
    for (const [fusion, rows] of Object.entries(fixture.attention.rollout)) {
      const choice = parseMethod(fusion === 'mean' ? 'rollout' : `rollout:${fusion}`);
      for (let row = 0; row < shape[0]; row++) {
        const o = out.layers.get(fixture.default_layer)!;
        const [, channels, h, w] = o.dims;
        const got = choice.method.compute({
          activation: o.activations.subarray(row * channels * h * w, (row + 1) * channels * h * w),
          channels,
          size: h * w,
          target: 0,
          variant: choice.variant,
          attention: attentionMaps(out, row, spec),
        }) as Float32Array;
        expectMap(got, rows[row]!, `rollout (${fusion}), row ${row}`);
      }
    }
    await engine.release();
  });
}
