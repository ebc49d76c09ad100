// The variants named after a library against references written from that library's formula by
// scripts/fixtures/makeVariantReference.py, on a model with dead channels and gradients of ~1e-6 where the
// variants differ materially: each matches its own reference and not the others'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Explainer } from '../../src-main/explain/explainer.js';
import { parseMethod } from '../../src-main/explain/methods/index.js';
import { referenceInput, relMaxDiff } from '../helpers/referenceFixtures.js';

const DIR = 'test/fixtures/variants';
interface Case {
  onnx: string;
  layer: string;
  shape: [number, number, number];
  targets: number[];
  methods: Record<string, number[][]>;
}
const fixture = JSON.parse(readFileSync(join(DIR, 'reference.json'), 'utf8')) as {
  input: { shape: [number, number, number, number] };
  dead_channels: number[];
  cases: Case[];
};
/** float32 against float64 references; Grad-CAM++'s pytorch-grad-cam reference is itself float32. */
const TOLERANCE = 1e-4;

/** Pairs whose maps the fixture's model separates, with the least relative difference asserted. */
const DIFFERENT: [string, string, number][] = [
  ['gradcam++', 'gradcam++:pytorchgradcam', 0.2],
  ['gradcam++', 'gradcam++:torchcam', 0.2],
  ['gradcam++:summed', 'gradcam++:torchcam', 0.2],
  // Dead channels stay in pytorch-grad-cam's softmax: the map comes out smaller by their share.
  ['scorecam:channels', 'scorecam:pytorchgradcam', 0.2],
  ['scorecam', 'scorecam:pytorchgradcam', 0.2],
];

for (const c of fixture.cases) {
  test(`variants named after a library match references written from that library (${c.onnx})`, async () => {
    const ex = await Explainer.open(join(DIR, c.onnx));
    try {
      const [n, , height, width] = fixture.input.shape;
      const specs = Object.keys(c.methods);
      const out = await ex.explainInput(referenceInput(fixture.input.shape), Array(n).fill({ width, height }), {
        methods: specs.map(parseMethod),
        layers: [c.layer],
        target: 'top1',
      });
      const got = new Map<string, Float32Array[]>();
      out.forEach((row, r) => {
        assert.equal(row.predictions[0]!.index, c.targets[r], `row ${r}: the reference's target is the top-1`);
        for (const m of row.maps) got.set(m.method, [...(got.get(m.method) ?? []), Float32Array.from(m.values)]);
      });
      for (const spec of specs) {
        const id = parseMethod(spec).id;
        for (let r = 0; r < n; r++) {
          const err = relMaxDiff(got.get(id)![r]!, c.methods[spec]![r]!);
          assert.ok(err < TOLERANCE, `${spec} row ${r}: rel. error ${err}`);
        }
      }
      for (const [a, b, least] of DIFFERENT.filter(([a]) => a in c.methods)) {
        for (let r = 0; r < n; r++) {
          const d = relMaxDiff(c.methods[a]![r]!, c.methods[b]![r]!);
          assert.ok(d > least, `${a} vs ${b} row ${r}: the references differ by only ${d}`);
        }
      }
    } finally {
      await ex.close();
    }
  });
}
