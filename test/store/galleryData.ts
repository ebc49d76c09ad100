// A seeded many-image project (tests and bench) together with the same facts as plain JS records.
import type { Prediction } from '../../src-shared/explainTypes.js';
import { ProjectStore } from '../../src-main/store/projectStore.js';
import type { RecordedImage } from '../../src-main/store/storeTypes.js';
import { rng } from '../helpers/random.js';
import { sampleImage, sampleModel } from './storeFixtures.js';

export const CLASSES = 10;
export const MAP_SIDE = 7;

export interface ImageFacts {
  id: number;
  dataset: string;
  gt: number | null;
  predicted: number;
  score: number;
  /** Per run id: the image's IoU there (null when not evaluable); absent when the run skips the image. */
  iou: Map<number, number | null>;
  maps: Map<number, Float32Array>;
}

export interface GalleryData {
  store: ProjectStore;
  modelId: number;
  runIds: number[];
  facts: ImageFacts[];
  /** Seconds spent in addImages and in recordResults, for the bench. */
  timing: { images: number; results: number };
}

function topFive(r: () => number, first: number): Prediction[] {
  // Rounded so that many images tie and the id tie-break of sorts is exercised.
  const score = Math.round(200 + 800 * r()) / 1000;
  const rest = Array.from({ length: CLASSES }, (_, c) => c)
    .filter((c) => c !== first)
    .slice(0, 4);
  return [{ index: first, label: null, score }, ...rest.map((c, k) => ({ index: c, label: null, score: ((1 - score) * (4 - k)) / 10 }))];
}

export interface GalleryOptions {
  /** Images per recordResults call (one transaction each); default all of a run's images at once. */
  batch?: number;
  /** Runs after the first skip every fifth image, so run filters select something (default true). */
  subsetLaterRuns?: boolean;
}

/**
 * n images (30 % 'val', 5 % without a label), one model whose top-1 is right about 60 % of the time,
 * and one run per method with a 7×7 map, a box and an IoU for each image it covers.
 */
export function buildGallery(file: string, n: number, methods: string[], options: GalleryOptions = {}): GalleryData {
  const { batch = n, subsetLaterRuns = true } = options;
  const r = rng(1234);
  const store = ProjectStore.create(file);
  const t0 = performance.now();
  const { ids } = store.addImages(
    Array.from({ length: n }, (_, i) =>
      sampleImage(i, { dataset: r() < 0.3 ? 'val' : 'train', gtLabel: r() < 0.05 ? null : Math.floor(r() * CLASSES) }),
    ),
  );
  const t1 = performance.now();
  const modelId = store.addModel(sampleModel({ numClasses: CLASSES, labels: null }));
  const facts: ImageFacts[] = ids.map((id) => {
    const image = store.getImage(id)!;
    const predicted = image.gtLabel !== null && r() < 0.6 ? image.gtLabel : Math.floor(r() * CLASSES);
    return { id, dataset: image.dataset!, gt: image.gtLabel, predicted, score: 0, iou: new Map(), maps: new Map() };
  });
  const predictions = new Map(
    facts.map((f) => {
      const p = topFive(r, f.predicted);
      f.score = p[0]!.score;
      return [f.id, p];
    }),
  );
  const runIds: number[] = [];
  let results = 0;
  methods.forEach((method, k) => {
    const covered = facts.filter((f) => k === 0 || !subsetLaterRuns || f.id % 5 !== 0);
    const runId = store.createRun({ modelId, method, layer: 'features.3', target: 'top1', imageIds: covered.map((f) => f.id) });
    runIds.push(runId);
    const items: RecordedImage[] = covered.map((f) => {
      const values = Float32Array.from({ length: MAP_SIDE * MAP_SIDE }, () => r());
      const iou = r() < 0.1 ? null : Math.round(20 * r()) / 20;
      f.maps.set(runId, values);
      f.iou.set(runId, iou);
      return {
        imageId: f.id,
        predictions: predictions.get(f.id),
        maps: [{ classIndex: f.predicted, width: MAP_SIDE, height: MAP_SIDE, values }],
        boxes: [{ classIndex: f.predicted, threshold: 0.2, box: [0, 0, 10, 10] }],
        evaluation: { iou },
      };
    });
    const s = performance.now();
    for (let i = 0; i < items.length; i += batch) store.recordResults(runId, items.slice(i, i + batch));
    results += performance.now() - s;
    store.finishRun(runId, 'done');
  });
  return { store, modelId, runIds, facts, timing: { images: (t1 - t0) / 1000, results: results / 1000 } };
}
