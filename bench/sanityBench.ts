// `npm run bench:sanity`: the cost of `camscope sanity` (Adebayo et al. 2018: 2 × L randomized models + the
// random-logit pass) per image and method as a multiple of one plain inference, on the bundled shapes-gap
// model (6 parametrized nodes, 128×128) and 8 demo images; and ROAD's per-image cost (18 imputations + passes).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Explainer } from '../src-main/explain/explainer.js';
import { runSanityChecks } from '../src-main/evaluation/sanity/sanityChecks.js';
import { explainerScore, inputShapeOf, road } from '../src-main/evaluation/metrics/index.js';

const MODEL = 'models/shapes-gap.onnx';
const images = readdirSync('models/demo')
  .filter((f) => f.endsWith('.png'))
  .slice(0, 8)
  .map((f) => join('models/demo', f));
const METHODS = ['cam', 'gradcam', 'gradcam++', 'scorecam'];

const explainer = await Explainer.open(MODEL);
const { images: sizes, input } = await explainer.loadBatch(images);
await explainer.explainInput(input, sizes, { methods: [], target: 'top1' }); // warm
const REPEAT = 20;
let t = performance.now();
for (let i = 0; i < REPEAT; i++) await explainer.explainInput(input, sizes, { methods: [], target: 'top1' });
const inference = (performance.now() - t) / REPEAT / images.length;
console.log(`plain inference: ${inference.toFixed(2)} ms per image (batch of ${images.length})`);

for (const method of METHODS) {
  t = performance.now();
  await runSanityChecks({ model: MODEL, images, methods: [method] });
  const perImage = (performance.now() - t) / images.length;
  console.log(
    `sanity ${method.padEnd(10)} ${perImage.toFixed(1)} ms per image = ${(perImage / inference).toFixed(0)}× inference (12 randomized models + random logit)`,
  );
}

const shape = inputShapeOf(explainer);
const maps = await explainer.explainInput(input, sizes, {
  methods: [(await import('../src-main/explain/methods/index.js')).parseMethod('gradcam')],
  target: 'top1',
});
const plane = shape.channels * shape.width * shape.height;
const samples = maps.map((m, k) => ({ input: input.subarray(k * plane, (k + 1) * plane), map: m.maps[0]!, classIndex: m.maps[0]!.target }));
t = performance.now();
await road(samples, explainerScore(explainer), shape);
const roadPerImage = (performance.now() - t) / images.length;
console.log(
  `ROAD (MoRF + LeRF, 9 shares each) ${roadPerImage.toFixed(0)} ms per image and method = ${(roadPerImage / inference).toFixed(0)}× inference (${shape.width}×${shape.height})`,
);
await explainer.close();
