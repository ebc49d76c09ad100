// The synthetic WSOL benchmark: renders every planned scene, boxes each ground-truth object from its own
// alpha render, and writes the images, the wsolevaluation metadata and synth.json (per-object details).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Box } from '../../src-shared/explainTypes.js';
import { CamscopeError } from '../errors.js';
import { alphaBox, renderScene } from './render.js';
import { SHORTCUT_CLASS, planScene, type Scenario, type ScenePlan, type Split } from './scene.js';
import { SHAPE_CLASSES } from './shapes.js';
import { writeWsolMetadata } from './wsolMetadata.js';

export interface SynthOptions {
  out: string;
  seed: number;
  /** Images per scenario. */
  count: number;
  scenarios: readonly Scenario[];
  split: Split;
  size: number;
  /** Scenes rendered at once (sharp works off the main thread). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SynthObject {
  class: string;
  colour: readonly [number, number, number];
  box: Box;
  boxed: boolean;
}

export interface SynthImage {
  id: string;
  scenario: Scenario;
  label: number;
  objects: SynthObject[];
  mark: Box | null;
}

/** Contents of synth.json. */
export interface SynthManifest {
  seed: number;
  split: Split;
  size: number;
  count: number;
  scenarios: Scenario[];
  classes: string[];
  shortcutClass: string;
  images: SynthImage[];
}

async function renderOne(plan: ScenePlan, out: string): Promise<SynthImage> {
  const file = join(out, plan.id);
  mkdirSync(dirname(file), { recursive: true });
  const { png, objectAlpha } = await renderScene(plan);
  const objects = plan.objects.map((o): SynthObject => {
    const box = alphaBox(objectAlpha, plan.size, o.shape);
    if (!box) throw new Error(`${plan.id}: a ${o.shape.cls} rendered no pixels`);
    return { class: o.shape.cls, colour: o.shape.fill, box, boxed: o.boxed };
  });
  writeFileSync(file, png);
  return { id: plan.id, scenario: plan.scenario, label: plan.label, objects, mark: plan.mark };
}

export async function generateSynth(o: SynthOptions): Promise<SynthManifest> {
  if (!(o.size >= 64 && o.size <= 1024)) throw new CamscopeError(`--size: expected 64..1024 pixels, got ${o.size}`);
  if (!(o.count >= 1)) throw new CamscopeError(`--count: expected at least 1 image, got ${o.count}`);
  mkdirSync(o.out, { recursive: true });
  const plans = o.scenarios.flatMap((s) => Array.from({ length: o.count }, (_, i) => planScene(o.seed, s, o.split, i, o.size)));
  const images: SynthImage[] = new Array(plans.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < plans.length) {
      const k = next++;
      images[k] = await renderOne(plans[k]!, o.out);
      o.onProgress?.(++done, plans.length);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 8 }, worker));
  writeWsolMetadata(
    o.out,
    images.map((im) => ({ id: im.id, label: im.label, width: o.size, height: o.size, boxes: im.objects.filter((x) => x.boxed).map((x) => x.box) })),
    SHAPE_CLASSES,
  );
  const manifest: SynthManifest = {
    seed: o.seed,
    split: o.split,
    size: o.size,
    count: o.count,
    scenarios: [...o.scenarios],
    classes: [...SHAPE_CLASSES],
    shortcutClass: SHORTCUT_CLASS,
    images,
  };
  writeFileSync(join(o.out, 'synth.json'), JSON.stringify(manifest) + '\n');
  return manifest;
}
