// The mock's sanity checks: the cascade of a method is its mock map blended step by step into seeded noise (fully
// for the methods that degrade, a little for the one made to fail), scored with the shared rank correlation. The
// mock has no SSIM: its "SSIM" is Pearson r of the min-max-scaled maps, enough to draw the curve.
import type { EventName, EventPayload, Request, Response, SanityInfo } from '../../src-shared/ipc.js';
import { averageRanks, pearsonValues } from '../../src-shared/mapAgreement.js';
import { minMaxNormalize } from '../../src-shared/mapGrid.js';
import { rng } from '../../src-shared/random.js';
import { meanSimilarity, sanityVerdict, type MapSimilarity, type SanityImageScores, type SanitySummary } from '../../src-shared/sanityTypes.js';
import { mockMap, type MockImage } from './mockData.js';

const NODES = [
  '/classifier/Gemm',
  '/features/conv5/Conv',
  '/features/conv4/Conv',
  '/features/conv3/Conv',
  '/features/conv2/Conv',
  '/features/conv1/Conv',
];
const GRID = 14;
/** How much of the map the last cascading step keeps: Guided-style failure for one method, none for the rest. */
const KEPT = (method: string) => (method === 'eigencam' ? 0.85 : 0);

type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

interface MockCheck {
  info: SanityInfo;
  summary: SanitySummary;
  perImage: Record<string, SanityImageScores>;
  strips: Record<string, number[][][]>;
}

function similarity(a: number[], b: number[]): MapSimilarity {
  const rank = (x: number[], y: number[]) => pearsonValues(averageRanks(x), averageRanks(y));
  return { spearman: rank(a, b), spearman_abs: rank(a.map(Math.abs), b.map(Math.abs)), ssim: pearsonValues(minMaxNormalize(a), minMaxNormalize(b)) };
}

function computeCheck(info: SanityInfo, images: MockImage[]): MockCheck {
  const { methods, modes, seed } = info;
  const steps = NODES.length;
  const perImage: Record<string, SanityImageScores> = {};
  const strips: Record<string, number[][][]> = {};
  const summary: SanitySummary = {
    model: `model-${info.modelId}.onnx`,
    layer: '/features/conv5/Relu',
    images: images.length,
    seed,
    nodes: NODES.map((n) => ({ node: n, op: n.split('/').pop()! })),
    methods: {},
    refused: {},
  };
  for (const method of methods) {
    const p: SanityImageScores = { cascading: [], independent: [], random_logit: [] };
    strips[method] = images.map((img) => {
      const original = mockMap(img, info.modelId, method, GRID);
      const noise = rng(seed * 31 + img.row.id);
      const lo = Math.min(...original);
      const hi = Math.max(...original);
      const random = original.map(() => lo + (hi - lo) * noise());
      const blend = (w: number) => original.map((v, i) => (1 - w) * v + w * random[i]!);
      const cascade = Array.from({ length: steps }, (_, k) => blend((1 - KEPT(method)) * ((k + 1) / steps) ** 0.7));
      const independent = Array.from({ length: steps }, (_, k) => blend((1 - KEPT(method)) * (k === 0 ? 0.15 : 0.5 / (k + 1))));
      if (modes.includes('cascading')) cascade.forEach((m, k) => (p.cascading[k] ??= []).push(similarity(original, m)));
      if (modes.includes('independent')) independent.forEach((m, k) => (p.independent[k] ??= []).push(similarity(original, m)));
      p.random_logit.push(similarity(original, mockMap(img, info.modelId === 1 ? 2 : 1, method, GRID)));
      return modes.includes('cascading') ? [original, ...cascade] : [original];
    });
    perImage[method] = p;
    const step = (sims: MapSimilarity[][]) => sims.map((s, k) => ({ node: NODES[k]!, op: NODES[k]!.split('/').pop()!, ...meanSimilarity(s) }));
    const cascading = step(p.cascading);
    const randomLogit = meanSimilarity(p.random_logit);
    summary.methods[method] = { cascading, independent: step(p.independent), random_logit: randomLogit, ...sanityVerdict(cascading, randomLogit) };
  }
  return { info, summary, perImage, strips };
}

/** The sanity channels over the mock's images; one finished check of model 1 to start with unless empty. */
export function mockSanity(images: MockImage[], emit: Emit, empty: boolean) {
  const checks: MockCheck[] = [];
  const start = (req: Request<'sanity.start'>, status: SanityInfo['status']): SanityInfo => {
    const info: SanityInfo = {
      id: checks.length + 1,
      modelId: req.modelId,
      methods: req.methods,
      modes: [...new Set(req.modes)],
      seed: req.seed ?? 0,
      layer: req.layer ?? null,
      imageIds: req.imageIds,
      status,
      error: null,
      createdAt: new Date().toISOString(),
      finishedAt: status === 'done' ? new Date().toISOString() : null,
    };
    const list = req.imageIds.map((id) => {
      const img = images[id - 1];
      if (!img) throw new Error(`image ${id} does not exist`);
      return img;
    });
    checks.push(computeCheck(info, list));
    return info;
  };
  if (!empty)
    start(
      { modelId: 1, methods: ['cam', 'gradcam', 'gradcam++', 'eigencam'], imageIds: [1, 2, 3, 4, 5, 6, 7, 8], modes: ['cascading', 'independent'] },
      'done',
    );
  const find = (id: number) => {
    const c = checks.find((x) => x.info.id === id);
    if (!c) throw new Error(`sanity check ${id} is not in the project`);
    return c;
  };
  return {
    'sanity.start': (req: Request<'sanity.start'>): Response<'sanity.start'> => {
      const info = start(req, 'running');
      const total = 1 + NODES.length * info.modes.length;
      let done = 0;
      const timer = setInterval(() => {
        if (info.status !== 'running') return clearInterval(timer);
        emit('sanity.progress', { checkId: info.id, done: ++done, total });
        if (done < total) return;
        Object.assign(info, { status: 'done', finishedAt: new Date().toISOString() });
        emit('sanity.finished', { checkId: info.id, status: 'done', error: null });
        clearInterval(timer);
      }, 300);
      (timer as unknown as { unref?: () => void }).unref?.();
      return { ...info };
    },
    'sanity.cancel': (req: Request<'sanity.cancel'>): Response<'sanity.cancel'> => {
      const c = checks.find((x) => x.info.id === req.checkId);
      if (c?.info.status !== 'running') return { cancelled: false };
      c.info.status = 'cancelled';
      emit('sanity.finished', { checkId: c.info.id, status: 'cancelled', error: null });
      return { cancelled: true };
    },
    'sanity.list': (): Response<'sanity.list'> => checks.map((c) => ({ ...c.info })),
    'sanity.result': (req: Request<'sanity.result'>): Response<'sanity.result'> => {
      const c = find(req.checkId);
      if (c.info.status !== 'done') throw new Error(`sanity check ${c.info.id} is ${c.info.status}; it has no result`);
      return { info: c.info, summary: c.summary, perImage: c.perImage };
    },
    'sanity.strip': (req: Request<'sanity.strip'>): Response<'sanity.strip'> => {
      const c = find(req.checkId);
      const k = c.info.imageIds.indexOf(req.imageId);
      if (k < 0) throw new Error(`image ${req.imageId} is not in sanity check ${c.info.id}`);
      return Object.fromEntries(Object.entries(c.strips).map(([m, s]) => [m, s[k]!.map((values) => ({ width: GRID, height: GRID, values }))]));
    },
  };
}
