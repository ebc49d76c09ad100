// The model-file corpus written by scripts/fixtures/makeModelFileCorpus.py: one classifier per
// architecture in every file form, with PyTorch references of the float model each form computes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Explainer } from '../../src-main/explain/explainer.js';
import { parseMethod } from '../../src-main/explain/methods/index.js';
import { pearsonValues } from '../../src-shared/mapAgreement.js';
import type { ModelForm } from '../../src-shared/explainTypes.js';
import { referenceInput, relMaxDiff } from '../helpers/referenceFixtures.js';

export const CORPUS_DIR = 'test/fixtures/modelfiles';

export interface Reference {
  top1: number[];
  probs: number[][];
  maps: Record<string, number[][]>;
}

export interface Variant {
  form: string;
  file: string;
  reference: string;
  default_layer: string | null;
  expect: Partial<Omit<ModelForm, 'externalData' | 'logits' | 'perChannel'>> & { external?: boolean; batch?: 'dynamic' | 1; refused?: string };
  options?: { output?: string };
}

export interface Corpus {
  arch: 'gap' | 'vgg';
  input: { shape: [number, number, number, number] };
  classes: number;
  references: Record<string, Reference>;
  variants: Variant[];
}

export function corpus(arch: 'gap' | 'vgg'): Corpus {
  return JSON.parse(readFileSync(join(CORPUS_DIR, `${arch}.json`), 'utf8')) as Corpus;
}

/** Map agreement demanded by the issue: Pearson ≥ 0.999 and max error ≤ 1e-3 of the reference's max. */
export const EXACT = { pearson: 0.999, maxError: 1e-3 };

export interface Explained {
  top1: number[];
  scores: number[];
  maps: Record<string, number[][]>;
  form: ModelForm;
  defaultLayer: string;
  dynamicBatch: boolean;
}

/** Explains the corpus input (row by row for a fixed batch of 1) with the methods the references hold. */
export async function explainVariant(c: Corpus, v: Variant, methods: string[], score: 'logit' | 'softmax' = 'logit'): Promise<Explained> {
  const ex = await Explainer.open(join(CORPUS_DIR, v.file), { output: v.options?.output });
  try {
    const [n, , h, w] = c.input.shape;
    const input = referenceInput(c.input.shape);
    const opts = { methods: methods.map(parseMethod), target: 'top1' as const, score };
    const rowsAtOnce = ex.model.dynamicBatch ? n : 1;
    const out: Explained = {
      top1: [],
      scores: [],
      maps: Object.fromEntries(methods.map((m) => [m, []])),
      form: ex.model.form,
      defaultLayer: ex.model.defaultLayer(),
      dynamicBatch: ex.model.dynamicBatch,
    };
    const plane = 3 * h * w;
    for (let start = 0; start < n; start += rowsAtOnce) {
      const slice = input.subarray(start * plane, (start + rowsAtOnce) * plane);
      const rows = await ex.explainInput(
        slice,
        Array.from({ length: rowsAtOnce }, () => ({ width: w, height: h })),
        opts,
      );
      for (const r of rows) {
        out.top1.push(r.predictions[0]!.index);
        out.scores.push(r.predictions[0]!.score);
        for (const m of r.maps) out.maps[m.method]!.push(m.values);
      }
    }
    return out;
  } finally {
    await ex.close();
  }
}

/** Pearson and max error (relative to the reference's max |·|) of every map against a reference. */
export function agreement(got: Record<string, number[][]>, ref: Reference): { method: string; row: number; pearson: number; maxError: number }[] {
  return Object.keys(got).flatMap((method) =>
    got[method]!.map((values, row) => {
      const expected = ref.maps[method]![row]!;
      const p = pearsonValues(values, expected);
      // A constant map equal to a constant reference agrees perfectly.
      return { method, row, pearson: p ?? (relMaxDiff(values, expected) === 0 ? 1 : 0), maxError: relMaxDiff(values, expected) };
    }),
  );
}

export function assertAgrees(got: Record<string, number[][]>, ref: Reference, tol: { pearson: number; maxError: number }, what: string): void {
  for (const a of agreement(got, ref)) {
    assert.ok(a.pearson >= tol.pearson, `${what}: ${a.method} row ${a.row}: Pearson ${a.pearson.toFixed(6)} < ${tol.pearson}`);
    assert.ok(a.maxError <= tol.maxError, `${what}: ${a.method} row ${a.row}: max error ${a.maxError.toExponential(2)} of max > ${tol.maxError}`);
  }
}

/**
 * Against the float model, forms that round the weights: a weight with relative rounding error δ
 * moves each layer's output by at most δ to first order, so activations A and gradients g each move
 * by ≤ L·δ over the L = 6 weight layers of the longest path, and a map built from both by ≤ 2·L·δ
 * of its max. δ = 2⁻¹¹ for float16, 2⁻⁸ for bfloat16 (round to nearest), 1/254 of the channel's
 * largest weight for symmetric int8 (half of one of 127 steps). Quantized activations are not a small
 * perturbation (8-bit levels move ReLU and MaxPool decisions): against the float model only the
 * top-1 is required there; their maps are checked against the fake-quantized reference instead.
 */
const LAYERS = 6;
export const FLOAT_TOLERANCE: Record<string, { pearson: number; maxError: number }> = {
  fp16: { pearson: 0.999, maxError: 2 * LAYERS * 2 ** -11 },
  bf16: { pearson: 0.999, maxError: 2 * LAYERS * 2 ** -8 },
  qdq_w: { pearson: 0.999, maxError: (2 * LAYERS) / 254 },
};

export function corpusTests(arch: 'gap' | 'vgg', methods: string[]): void {
  const c = corpus(arch);
  const floatRef = c.references.float!;
  for (const v of c.variants.filter((x) => !x.expect.refused)) {
    test(`${v.file}: read as ${v.form}; float top-1, and ${methods.join(', ')} match PyTorch (${v.reference} reference)`, async () => {
      const r = await explainVariant(c, v, methods);
      const ref = c.references[v.reference]!;
      const { external, batch, ...expected } = v.expect;
      for (const [k, value] of Object.entries(expected)) assert.equal(r.form[k as keyof ModelForm], value, `form.${k}`);
      assert.equal(r.form.externalData.length > 0, external, 'external data');
      assert.equal(r.dynamicBatch, batch === 'dynamic', 'dynamic batch');
      if (v.default_layer) assert.equal(r.defaultLayer, v.default_layer, 'default layer');
      // The gray model is another network (one input channel): its own reference's top-1.
      assert.deepEqual(r.top1, v.reference === 'gray' ? ref.top1 : floatRef.top1, 'top-1');
      r.top1.forEach((cls, row) => {
        const p = ref.probs[row]![cls]!;
        assert.ok(Math.abs(r.scores[row]! - p) < 1e-5, `row ${row}: top-1 probability ${r.scores[row]} vs the model's own ${p}`);
      });
      assertAgrees(r.maps, ref, EXACT, `vs ${v.reference}`);
      if (FLOAT_TOLERANCE[v.reference]) assertAgrees(r.maps, floatRef, FLOAT_TOLERANCE[v.reference]!, 'vs float');
    });
    // --score softmax differentiates softmax(logits)_c whatever the output holds, never a softmax of probabilities.
    if (v.expect.head !== 'logits' || ['opset13', 'qdq_wa', 'nhwc'].includes(v.form)) {
      test(`${v.file}: --score softmax is the softmax of the logits (Grad-CAM vs PyTorch)`, async () => {
        const r = await explainVariant(c, v, ['gradcam'], 'softmax');
        const ref = c.references[v.reference]!;
        assertAgrees({ gradcam: r.maps.gradcam! }, { ...ref, maps: { gradcam: ref.maps['gradcam@softmax']! } }, EXACT, 'softmax score');
      });
    }
  }
}
