// `node --import tsx bench/camifyBench.ts` (run first by `npm run bench`): time to fit the camify heads — the
// linear one (softmax regression, L-BFGS, products in ONNX Runtime) on N = 10 000 random features, K = 512,
// C = 1000 (labels from a random linear head, 20 % validation), beside the same N×K·K×C product in plain
// JavaScript; then the conv-gap one on shapes-fc-sized maps, against a forward pass of its head, with the maps'
// channels projected to CONV_GAP_DEFAULTS.projectedChannels (the default) and with all of them.
import * as ort from 'onnxruntime-node';
import { DEFAULT_FILTERS, DEFAULT_L2, DEFAULT_VAL_SPLIT } from '../src-main/camify/camify.js';
import { CONV_GAP_DEFAULTS, fitConvGapHead } from '../src-main/camify/convGapFit.js';
import { convGapGraph } from '../src-main/camify/convGapGraph.js';
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
const fit = await fitSoftmaxRegression(part(train), valSet, { classes: C, features: K, l2: DEFAULT_L2.linear });
const fitMs = performance.now() - t2;
const agreement = fit.valPredictions.filter((p, i) => p === valLabels[i]).length / val.length;
console.log(`camify fit: N ${N} (${train.length} train, ${val.length} validation), K ${K}, C ${C}, λ ${DEFAULT_L2.linear}`);
console.log(
  `  fit ${(fitMs / 1000).toFixed(1)} s: ${fit.iterations} L-BFGS iterations (${(fitMs / Math.max(1, fit.iterations)).toFixed(0)} ms each incl. validation), stopped by ${fit.stoppedBy}`,
);
console.log(`  validation agreement with the generating head ${(agreement * 100).toFixed(1)} % (${(train.length / C).toFixed(0)} images per class)`);
console.log(
  `  one N×K·K×C product: ONNX Runtime ${(ortProduct / 1000).toFixed(2)} s, plain JavaScript ${(jsProduct / 1000).toFixed(1)} s (from ${JS_ROWS} rows); an iteration makes two on the training rows and one on the validation rows`,
);

// The conv-gap head: N_MAPS random ReLU-like maps C_MAPS×SIDE×SIDE (shapes-fc's default layer), labels of a random
// 1×1 head over their channel means, FILTERS filters; the fit's time against one forward pass of its own head graph
// over the same training rows (what one epoch costs, in forward passes).
const N_MAPS = 400;
const C_MAPS = 96;
const SIDE = 32;
const CLASSES = 8;
const mapRandom = random(2);
const maps = Float32Array.from({ length: N_MAPS * C_MAPS * SIDE * SIDE }, () => Math.max(0, mapRandom() * 2 - 1));
const head = Float32Array.from({ length: CLASSES * C_MAPS }, () => mapRandom() * 2 - 1);
const mapLabels = Int32Array.from({ length: N_MAPS }, (_, i) => {
  const plane = SIDE * SIDE;
  const score = (c: number) => {
    let s = 0;
    for (let ch = 0; ch < C_MAPS; ch++) for (let p = 0; p < plane; p += 64) s += head[c * C_MAPS + ch]! * maps[(i * C_MAPS + ch) * plane + p]!;
    return s;
  };
  let best = 0;
  for (let c = 1; c < CLASSES; c++) if (score(c) > score(best)) best = c;
  return best;
});
const mapSplit = splitRows(N_MAPS, DEFAULT_VAL_SPLIT, 0);
const rowSize = C_MAPS * SIDE * SIDE;
const mapPart = (rows: number[]) => ({
  maps: takeRows(maps, rowSize, rows),
  targets: Float32Array.from({ length: rows.length * CLASSES }, (_, j) => (mapLabels[rows[Math.floor(j / CLASSES)]!] === j % CLASSES ? 1 : 0)),
  n: rows.length,
});
const trainMaps = mapPart(mapSplit.train);
const forward = await ort.InferenceSession.create(convGapGraph('evaluate', CLASSES, SIDE * SIDE));
const f32 = (n: number) => new ort.Tensor('float32', new Float32Array(n), [n]);
const t3 = performance.now();
for (let start = 0; start < trainMaps.n; start += CONV_GAP_DEFAULTS.batchSize) {
  const rows = Math.min(CONV_GAP_DEFAULTS.batchSize, trainMaps.n - start);
  await forward.run({
    a: new ort.Tensor('float32', trainMaps.maps.subarray(start * rowSize, (start + rows) * rowSize), [rows, C_MAPS, SIDE, SIDE]),
    p: new ort.Tensor('float32', trainMaps.targets.subarray(start * CLASSES, (start + rows) * CLASSES), [rows, CLASSES]),
    wc: new ort.Tensor('float32', new Float32Array(DEFAULT_FILTERS * C_MAPS * 9), [DEFAULT_FILTERS, C_MAPS, 3, 3]),
    bc: f32(DEFAULT_FILTERS),
    wf: new ort.Tensor('float32', new Float32Array(CLASSES * DEFAULT_FILTERS), [CLASSES, DEFAULT_FILTERS]),
    bf: f32(CLASSES),
  });
}
const forwardMs = performance.now() - t3;
await forward.release();
/** One conv-gap fit on fresh copies of the maps (the fit scales them in place), wall and CPU time. */
const timedFit = async (projectedChannels: number) => {
  const [t, cpu] = [performance.now(), process.cpuUsage()];
  const fit = await fitConvGapHead(mapPart(mapSplit.train), mapPart(mapSplit.val), {
    classes: CLASSES,
    channels: C_MAPS,
    height: SIDE,
    width: SIDE,
    filters: DEFAULT_FILTERS,
    l2: DEFAULT_L2['conv-gap'],
    seed: 0,
    projectedChannels,
  });
  const used = process.cpuUsage(cpu);
  const agreement = fit.valPredictions.filter((p, i) => p === mapLabels[mapSplit.val[i]!]).length / mapSplit.val.length;
  return { fit, ms: performance.now() - t, cpuMs: (used.user + used.system) / 1000, agreement };
};
const projected = await timedFit(CONV_GAP_DEFAULTS.projectedChannels);
const full = await timedFit(C_MAPS);
console.log(
  `conv-gap fit: ${N_MAPS} maps ${C_MAPS}×${SIDE}×${SIDE} (${mapSplit.train.length} train), ${DEFAULT_FILTERS} filters, ${CLASSES} classes`,
);
for (const [name, r] of [
  [`channels projected to ${CONV_GAP_DEFAULTS.projectedChannels} (default)`, projected],
  [`all ${C_MAPS} channels`, full],
] as const) {
  console.log(
    `  ${name}: fit ${(r.ms / 1000).toFixed(1)} s (CPU ${(r.cpuMs / 1000).toFixed(1)} s): ${r.fit.iterations} epochs, ${(r.ms / r.fit.iterations / 1000).toFixed(2)} s each incl. validation = ${(r.ms / r.fit.iterations / forwardMs).toFixed(1)}× one forward pass of the full head over the training maps (${(forwardMs / 1000).toFixed(2)} s); validation agreement ${(100 * r.agreement).toFixed(1)} %`,
  );
}
console.log(
  `  same run: the projected fit takes ${((100 * projected.cpuMs) / full.cpuMs).toFixed(0)} % of the full fit's CPU time per epoch × epochs`,
);
