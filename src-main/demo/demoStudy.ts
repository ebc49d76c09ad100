// The demo study behind `camscope demo`: the lecture's Task 2 on real data (the bundled ImageNet models on the
// bundled photos), every (scenario, model) pair of the synthetic part evaluated by the evaluation module, the
// shortcut finding from the generator's own record of the mark, and the headline table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset, type Dataset } from '../datasets/index.js';
import { evaluateDataset } from '../evaluation/evaluateDataset.js';
import { type EvaluationResult, type ImageEvaluation, keptMap } from '../evaluation/evaluationResult.js';
import { DEMO_MODELS, IMAGENET_METHODS, IMAGENET_MODELS, demoDataDir, demoModelPath, demoPhotosDir } from '../services/demoProject.js';
import type { SynthManifest } from '../synth/generate.js';
import type { Scenario } from '../synth/scene.js';
import type { Box } from '../../src-shared/explainTypes.js';
import { valueRange } from '../../src-shared/mapGrid.js';

export interface StudySection {
  scenario: Scenario;
  model: string;
  result: EvaluationResult;
}

/** On the shortcut test split, images carrying the mark: where one model's top-1 map peaks. Percentages. */
export interface ShortcutRow {
  model: string;
  method: string;
  images: number;
  /** Predicted as the class the mark accompanied in training. */
  predictedShortcutClass: number;
  /** The map's maximum cell overlaps the mark's box. */
  maxOnMark: number;
  /** The map's maximum cell overlaps the object's box. */
  maxOnObject: number;
}

export interface MarkedImage {
  image: ImageEvaluation;
  mark: Box;
}

/** One ImageNet model on the bundled photos. */
export interface PhotoSection {
  model: string;
  result: EvaluationResult;
}

export interface DemoStudy {
  /** The ImageNet part, first in the report. */
  photos: PhotoSection[];
  sections: StudySection[];
  shortcutClass: string;
  shortcut: ShortcutRow[];
  /** Shortcut test images with the mark, per model: what the report shows as examples. */
  marked: Map<string, MarkedImage[]>;
}

/** The methods the study evaluates and compares (the app's runs hold the other cheap methods too). */
export const HEADLINE_PAIR = ['cam', 'gradcam'] as const;

/** Evaluates the demo's datasets (its project's data folder) with every model that is explained on them. */
export async function evaluateDemoStudy(repoRoot: string, projectFile: string, progress: NodeJS.WriteStream | null = null): Promise<DemoStudy> {
  const dataDir = demoDataDir(projectFile);
  const photoSet = await loadDataset(demoPhotosDir(repoRoot), { format: 'wsolevaluation' });
  const photos: PhotoSection[] = [];
  for (const model of IMAGENET_MODELS) {
    progress?.write(`evaluating ${model} on the ImageNet photos\n`);
    photos.push({
      model,
      result: await evaluateDataset({
        model: demoModelPath(repoRoot, model),
        dataset: photoSet,
        methods: [...IMAGENET_METHODS],
        faithfulness: false,
        batchSize: 4,
        progress,
      }),
    });
  }
  const datasets = new Map<Scenario, Dataset>();
  const sections: StudySection[] = [];
  for (const { name, scenarios } of DEMO_MODELS) {
    for (const scenario of scenarios) {
      if (!datasets.has(scenario)) datasets.set(scenario, await loadDataset(join(dataDir, scenario), { format: 'wsolevaluation' }));
      progress?.write(`evaluating ${name} on ${scenario}\n`);
      const result = await evaluateDataset({
        model: demoModelPath(repoRoot, name),
        dataset: datasets.get(scenario)!,
        methods: [...HEADLINE_PAIR],
        faithfulness: false,
        batchSize: 16,
        progress,
      });
      sections.push({ scenario, model: name, result });
    }
  }
  const manifest = JSON.parse(readFileSync(join(dataDir, 'shortcut', 'synth.json'), 'utf8')) as SynthManifest;
  return { photos, sections, shortcutClass: manifest.shortcutClass, ...shortcutFinding(sections, manifest) };
}

/**
 * The image rectangle of a map's maximum cell (layer resolution), null for a constant map. Not the upsampled
 * maximum: a peak in a corner cell upsamples to a plateau whose first pixel is the image corner, off the mark.
 */
export function peakCell(map: { width: number; height: number; values: ArrayLike<number> }, image: { width: number; height: number }): Box | null {
  const { min, max } = valueRange(map.values);
  if (!(max > min)) return null;
  let best = 0;
  for (let i = 1; i < map.values.length; i++) if (map.values[i]! > map.values[best]!) best = i;
  const cx = best % map.width;
  const cy = (best - cx) / map.width;
  const sx = image.width / map.width;
  const sy = image.height / map.height;
  return [cx * sx, cy * sy, (cx + 1) * sx, (cy + 1) * sy];
}

const overlaps = (a: Box, b: Box) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];

/** Where the shortcut test images' maps peak: on the corner mark (the shortcut) or on the object. */
export function shortcutFinding(
  sections: readonly { scenario: Scenario; model: string; result: Pick<EvaluationResult, 'images' | 'refused'> }[],
  manifest: Pick<SynthManifest, 'images' | 'classes' | 'shortcutClass'>,
): Pick<DemoStudy, 'shortcut' | 'marked'> {
  const marks = new Map(manifest.images.flatMap((im) => (im.mark ? [[im.id, im.mark] as const] : [])));
  const shortcutIndex = manifest.classes.indexOf(manifest.shortcutClass);
  const shortcut: ShortcutRow[] = [];
  const marked = new Map<string, MarkedImage[]>();
  for (const { model, result } of sections.filter((s) => s.scenario === 'shortcut')) {
    const images = result.images.flatMap((image) => {
      const mark = marks.get(image.item.id);
      return mark ? [{ image, mark }] : [];
    });
    marked.set(model, images);
    const percent = (hits: boolean[]) => (hits.length ? (100 * hits.filter(Boolean).length) / hits.length : 0);
    for (const method of HEADLINE_PAIR.filter((m) => !(m in result.refused))) {
      const peaks = images.map(({ image, mark }) => ({ image, mark, peak: peakCell(keptMap(image.methods[method]!.map), image.item) }));
      shortcut.push({
        model,
        method,
        images: images.length,
        predictedShortcutClass: percent(images.map(({ image }) => image.predictions[0]!.index === shortcutIndex)),
        maxOnMark: percent(peaks.map(({ mark, peak }) => peak !== null && overlaps(peak, mark))),
        maxOnObject: percent(peaks.map(({ image, peak }) => peak !== null && image.item.boxes.some((b) => overlaps(peak, b)))),
      });
    }
  }
  return { shortcut, marked };
}
