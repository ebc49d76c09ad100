// `node --import tsx bench/camifyBench.ts` (run first by `npm run bench`): time to fit the camify head —
// softmax regression, L-BFGS, products in ONNX Runtime — on N = 10 000 random features, K = 512, C = 1000
// (labels from a random linear head, 20 % validation), beside the same N×K·K×C product in plain JavaScript.
import * as ort from 'onnxruntime-node';
import { DEFAULT_L2, DEFAULT_VAL_SPLIT } from '../src-main/camify/camify.js';
import { fitSoftmaxRegression } from '../src-main/camify/softmaxRegression.js';
import { splitRows, takeRows } from '../src-main/camify/split.js';
import { buildModel } from '../src-main/onnx/modelBuilder.js';
import { encodeModel, makeAttribute } from '../src-main/onnx/onnxModel.js';

const N = 10_000;
const K = 512;
const C = 1000;
/** Rows of the JavaScript product actually timed (it is scaled to N). */
const JS_ROWS = 500;

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}
const r = random(1);
const x = Float32Array.from({ length: N * K }, () => Math.max(0, r() * 2 - 0.5)); // ReLU-like features
const w = Float32Array.from({ length: C * K }, () => r() * 2 - 1);

// Labels = argmax of x·wᵀ, computed in ONNX Runtime.
const labeller = await ort.InferenceSession.create(
  encodeModel(
    buildModel({
      opset: 13,
      inputs: [
        { name: 'x', dims: [N, K] },
        { name: 'w', dims: [C, K] },
      ],
      outputs: ['label'],
      nodes: [
        { opType: 'Gemm', input: ['x', 'w'], output: ['z'], attribute: [makeAttribute('transB', 1)] },
        { opType: 'ArgMax', input: ['z'], output: ['i'], attribute: [makeAttribute('axis', 1), makeAttribute('keepdims', 0)] },
        { opType: 'Cast', input: ['i'], output: ['label'], attribute: [makeAttribute('to', 1)] },
      ],
    }),
  ),
);
const t0 = performance.now();
const labelled = await labeller.run({ x: new ort.Tensor('float32', x, [N, K]), w: new ort.Tensor('float32', w, [C, K]) });
const ortProduct = performance.now() - t0;
const labels = Int32Array.from(labelled.label!.data as Float32Array);
await labeller.release();

const t1 = performance.now();
const z = new Float32Array(JS_ROWS * C);
for (let i = 0; i < JS_ROWS; i++) {
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let j = 0; j < K; j++) s += w[c * K + j]! * x[i * K + j]!;
    z[i * C + c] = s;
  }
}
const jsProduct = ((performance.now() - t1) * N) / JS_ROWS;

const { train, val } = splitRows(N, DEFAULT_VAL_SPLIT, 0);
const part = (rows: number[]) => ({ x: takeRows(x, K, rows), labels: Int32Array.from(rows, (i) => labels[i]!), n: rows.length });
const valSet = part(val);
const valLabels = valSet.labels.slice();
const t2 = performance.now();
const fit = await fitSoftmaxRegression(part(train), valSet, { classes: C, features: K, l2: DEFAULT_L2 });
const fitMs = performance.now() - t2;
const agreement = fit.valPredictions.filter((p, i) => p === valLabels[i]).length / val.length;
console.log(`camify fit: N ${N} (${train.length} train, ${val.length} validation), K ${K}, C ${C}, λ ${DEFAULT_L2}`);
console.log(
  `  fit ${(fitMs / 1000).toFixed(1)} s: ${fit.iterations} L-BFGS iterations (${(fitMs / Math.max(1, fit.iterations)).toFixed(0)} ms each incl. validation), stopped by ${fit.stoppedBy}`,
);
console.log(`  validation agreement with the generating head ${(agreement * 100).toFixed(1)} % (${(train.length / C).toFixed(0)} images per class)`);
console.log(
  `  one N×K·K×C product: ONNX Runtime ${(ortProduct / 1000).toFixed(2)} s, plain JavaScript ${(jsProduct / 1000).toFixed(1)} s (from ${JS_ROWS} rows); an iteration makes two on the training rows and one on the validation rows`,
);
