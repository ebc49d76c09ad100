// `camscope sanity`: Adebayo et al., "Sanity Checks for Saliency Maps" (NeurIPS 2018). Each method's maps
// of the predicted class on the original model are compared with its maps of the same class on models
// whose parameters are randomized (modelRandomization.ts) — cascading from the logits down and one node
// at a time — and with the map of a random other class (the random-logit test). A map that stays the same
// while the model it explains is destroyed does not explain the model.
//
// Similarity, per image on the maps bilinearly upsampled to the model input: Spearman rank correlation
// with and without absolute values, and SSIM of the min-max-scaled maps (metrics/ssim.ts); the paper's
// HOG similarity is not computed (HOG-free). Means over the images.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CamscopeError } from '../../errors.js';
import { Explainer, type ExplainOptions, type ModelOptions } from '../../explain/explainer.js';
import { applicableMethods } from '../applicableMethods.js';
import { encodeModel, loadModelFile } from '../../onnx/onnxModel.js';
import { minMaxNormalize, upsampleBilinear, type Grid } from '../../../src-shared/mapGrid.js';
import { mixSeed, rng } from '../../../src-shared/random.js';
import {
  CLASS_SENSITIVE_RULE,
  DEGRADE_RULE,
  SANITY_MODES,
  meanSimilarity,
  sanityVerdict,
  type MapSimilarity,
  type SanityImageScores,
  type SanityMode,
  type SanityStep,
  type SanitySummary,
} from '../../../src-shared/sanityTypes.js';
import { pearsonValues, averageRanks, ssim } from '../metrics/index.js';
import { parametrizedNodes, randomizeNodes, type ParametrizedNode } from './modelRandomization.js';

export const SANITY_SPEC = {
  name: 'Model-parameter randomization and random-logit tests',
  formula:
    'per step: mean over images of Spearman(m, m′), Spearman(|m|, |m′|) and SSIM(minmax m, minmax m′), m the original map, m′ the map of the same class on the randomized model (or of a random other class)',
  citation: 'Adebayo et al., "Sanity Checks for Saliency Maps", NeurIPS 2018, §3.1 and §3.2 (random logit in the appendix)',
  variant: 'independent (one node at a time) next to cascading; HOG similarity not computed',
  default: `Conv/ConvTranspose/Gemm/MatMul/BatchNormalization initializers redrawn from N(mean, std) of each tensor (seeded), logits first; maps upsampled bilinearly to the input; a method ${DEGRADE_RULE}; ${CLASS_SENSITIVE_RULE}`,
} as const;

export interface SanityOptions {
  model: string;
  /** Image files. */
  images: string[];
  methods: string[];
  modelOptions?: ModelOptions;
  layer?: string;
  seed?: number;
  batchSize?: number;
  /** Which randomizations to run (default both); without the cascade there is no strip and no degrade verdict. */
  modes?: readonly SanityMode[];
  /** After the original pass and after each randomized model: models explained so far, of total. */
  onProgress?: (done: number, total: number) => void;
}

/** One image's maps along the cascade, for the report's strip (the paper's figure). */
export interface SanityStrip {
  image: string;
  original: Grid;
  cascading: Grid[];
}

export interface SanityResult {
  summary: SanitySummary;
  /** Per method, each image's cascade (images in the given order; empty cascades without the cascading mode). */
  strips: Record<string, SanityStrip[]>;
  /** Per method, each image's similarities, of which the summary holds the means. */
  perImage: Record<string, SanityImageScores>;
}

/** The three similarities of two maps, both upsampled to w×h; null where a map is constant (no ranks). */
export function mapSimilarity(a: Grid, b: Grid, w: number, h: number): MapSimilarity {
  const ua = upsampleBilinear(a, w, h);
  const ub = upsampleBilinear(b, w, h);
  const rankCorr = (x: ArrayLike<number>, y: ArrayLike<number>) => pearsonValues(averageRanks(x), averageRanks(y));
  return {
    spearman: rankCorr(ua, ub),
    spearman_abs: rankCorr(ua.map(Math.abs), ub.map(Math.abs)),
    ssim: ssim(minMaxNormalize(ua), minMaxNormalize(ub), w, h),
  };
}

export async function runSanityChecks(opts: SanityOptions): Promise<SanityResult> {
  if (opts.images.length === 0) throw new CamscopeError('sanity: no images');
  const seed = opts.seed ?? 0;
  const modes = new Set(opts.modes ?? SANITY_MODES);
  if (modes.size === 0) throw new CamscopeError('sanity: no randomization mode');
  const { model: proto } = loadModelFile(opts.model);
  const nodes = parametrizedNodes(proto);
  if (nodes.length === 0)
    throw new CamscopeError(`${opts.model}: no parametrized node (Conv, Gemm, MatMul, BatchNormalization with float initializers) to randomize`);
  const original = await Explainer.open(opts.model, opts.modelOptions);
  const dir = mkdtempSync(join(tmpdir(), 'camscope-sanity-'));
  try {
    const layer = original.model.resolveLayer(opts.layer ?? 'auto');
    const { choices, refused } = applicableMethods(opts.model, original.model, layer, opts.methods);
    const ids = choices.map((c) => c.id);
    const explainOpts: ExplainOptions = { methods: choices, layers: [layer], target: 'top1' };
    const { width, height } = original.preprocessing;
    const classes = original.model.numClasses;

    // The original maps (predicted class) and the random-logit maps, batch by batch; the inputs are kept for the randomized models.
    const batch = Math.max(1, opts.batchSize ?? 8);
    const batches: { input: Float32Array; sizes: { width: number; height: number }[]; targets: number[] }[] = [];
    const originalMaps: Record<string, Grid[]> = Object.fromEntries(ids.map((id) => [id, []]));
    const logitSims: Record<string, MapSimilarity[]> = Object.fromEntries(ids.map((id) => [id, []]));
    for (let start = 0; start < opts.images.length; start += batch) {
      const files = opts.images.slice(start, start + batch);
      const { images, input } = await original.loadBatch(files);
      const top = await original.explainInput(input, images, explainOpts);
      const targets = top.map((t) => t.predictions[0]!.index);
      const others = targets.map((t, k) => {
        const draw = Math.floor(rng(mixSeed(seed, 'logit', start + k))() * (classes - 1));
        return draw >= t ? draw + 1 : draw;
      });
      const logit = await original.explainInput(input, images, explainOpts, undefined, others);
      top.forEach((t, k) => {
        for (const id of ids) {
          const m = t.maps.find((x) => x.method === id)!;
          originalMaps[id]!.push(m);
          logitSims[id]!.push(
            mapSimilarity(
              m,
              logit[k]!.maps.find((x) => x.method === id)!,
              width,
              height,
            ),
          );
        }
      });
      batches.push({ input, sizes: images, targets });
    }

    const total = 1 + nodes.length * modes.size;
    let done = 1;
    opts.onProgress?.(done, total);

    /** Each method's maps of the original classes on a model with these nodes randomized, and their similarities to the originals. */
    const scoreModel = async (randomized: readonly ParametrizedNode[], step: string) => {
      const file = join(dir, `${step}.onnx`);
      writeFileSync(file, encodeModel(randomizeNodes(proto, randomized, seed)));
      const ex = await Explainer.open(file, opts.modelOptions);
      try {
        const sims: Record<string, MapSimilarity[]> = Object.fromEntries(ids.map((id) => [id, []]));
        const maps: Record<string, Grid[]> = Object.fromEntries(ids.map((id) => [id, []]));
        let row = 0;
        for (const b of batches) {
          const out = await ex.explainInput(b.input, b.sizes, explainOpts, undefined, b.targets);
          for (const r of out) {
            for (const id of ids) {
              const m = r.maps.find((x) => x.method === id)!;
              maps[id]!.push(m);
              sims[id]!.push(mapSimilarity(originalMaps[id]![row]!, m, width, height));
            }
            row++;
          }
        }
        return { sims, maps };
      } finally {
        await ex.close();
        opts.onProgress?.(++done, total);
      }
    };

    const cascading: Record<string, SanityStep[]> = Object.fromEntries(ids.map((id) => [id, []]));
    const independent: Record<string, SanityStep[]> = Object.fromEntries(ids.map((id) => [id, []]));
    const perImage: Record<string, SanityImageScores> = Object.fromEntries(
      ids.map((id) => [id, { cascading: [], independent: [], random_logit: logitSims[id]! }]),
    );
    const strips: Record<string, SanityStrip[]> = Object.fromEntries(
      ids.map((id) => [id, opts.images.map((image, i) => ({ image, original: originalMaps[id]![i]!, cascading: [] }))]),
    );
    for (let k = 0; k < nodes.length; k++) {
      const node = nodes[k]!;
      if (modes.has('cascading')) {
        const cascade = await scoreModel(nodes.slice(0, k + 1), `cascade-${k}`);
        for (const id of ids) {
          cascading[id]!.push({ node: node.name, op: node.op, ...meanSimilarity(cascade.sims[id]!) });
          perImage[id]!.cascading.push(cascade.sims[id]!);
          cascade.maps[id]!.forEach((m, i) => strips[id]![i]!.cascading.push(m));
        }
      }
      if (modes.has('independent')) {
        const alone = await scoreModel([node], `independent-${k}`);
        for (const id of ids) {
          independent[id]!.push({ node: node.name, op: node.op, ...meanSimilarity(alone.sims[id]!) });
          perImage[id]!.independent.push(alone.sims[id]!);
        }
      }
    }

    const methods: SanitySummary['methods'] = {};
    for (const id of ids) {
      const randomLogit = meanSimilarity(logitSims[id]!);
      methods[id] = {
        cascading: cascading[id]!,
        independent: independent[id]!,
        random_logit: randomLogit,
        ...sanityVerdict(cascading[id]!, randomLogit),
      };
    }
    return {
      summary: {
        model: opts.model,
        layer,
        images: opts.images.length,
        seed,
        nodes: nodes.map((n) => ({ node: n.name, op: n.op })),
        methods,
        refused,
      },
      strips,
      perImage,
    };
  } finally {
    await original.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
