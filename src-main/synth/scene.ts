// Plans one synthetic image: background, clutter, objects and the shortcut mark, all drawn from a PRNG
// seeded by (seed, scenario, split, index), so every image is reproducible on its own.
import type { Box } from '../../src-shared/explainTypes.js';
import { mixSeed, rng } from '../../src-shared/random.js';
import type { BackgroundPlan, Rgb } from './background.js';
import { SHAPE_CLASSES, type ShapeClass, type ShapeInstance } from './shapes.js';

export const SCENARIOS = ['single', 'small', 'multi', 'distractor', 'shortcut'] as const;
export type Scenario = (typeof SCENARIOS)[number];
export type Split = 'train' | 'test';

/** The class the shortcut mark accompanies in `shortcut` train images (and never in its test images). */
export const SHORTCUT_CLASS: ShapeClass = 'hexagon';
/** Side of the square corner mark (a 2×2-pixel black/white checker) and its distance from the border. */
export const MARK_SIDE = 8;
const MARK_MARGIN = 3;

/** Circumradius range as fractions of the image side, per scenario. `small`: 2r ≤ 0.28·side, so the box is under 10 % of the area. */
const RADIUS: Record<Scenario, [number, number]> = {
  single: [0.12, 0.3],
  small: [0.05, 0.14],
  multi: [0.08, 0.16],
  distractor: [0.1, 0.22],
  shortcut: [0.12, 0.3],
};

/** A disc that holds one object: centre and radius in pixels. */
export interface Disc {
  cx: number;
  cy: number;
  r: number;
}

export interface PlannedObject {
  shape: ShapeInstance;
  /** Ground truth: boxed objects are instances of the image's class; a distractor is not boxed. */
  boxed: boolean;
}

export interface ScenePlan {
  /** Path relative to the output folder, e.g. `single/test/000123.png`. */
  id: string;
  scenario: Scenario;
  split: Split;
  label: number;
  size: number;
  background: BackgroundPlan;
  /** SVG elements drawn under the objects: short lines and dots. */
  clutter: string[];
  objects: PlannedObject[];
  mark: Box | null;
}

type Random = () => number;
const uniform = (r: Random, lo: number, hi: number) => lo + (hi - lo) * r();
const int = (r: Random, lo: number, hiInclusive: number) => lo + Math.floor(r() * (hiInclusive - lo + 1));
const randomRgb = (r: Random): Rgb => [int(r, 0, 255), int(r, 0, 255), int(r, 0, 255)];
const distance = (a: Rgb, b: Rgb) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** An object colour at least 120 levels (Euclidean RGB) from both background colours, so objects stand out. */
function objectColour(r: Random, bg: BackgroundPlan): Rgb {
  for (;;) {
    const c = randomRgb(r);
    if (distance(c, bg.from) >= 120 && distance(c, bg.to) >= 120) return c;
  }
}

function planBackground(r: Random): BackgroundPlan {
  const from = randomRgb(r);
  const to = from.map((v) => Math.max(0, Math.min(255, Math.round(v + uniform(r, -45, 45))))) as unknown as Rgb;
  return {
    kind: (['blotches', 'gradient', 'stripes'] as const)[int(r, 0, 2)]!,
    from,
    to,
    angle: uniform(r, 0, 2 * Math.PI),
    period: uniform(r, 6, 20),
    hard: r() < 0.5,
    noise: uniform(r, 2, 10),
    seed: Math.floor(r() * 2 ** 32),
  };
}

function planClutter(r: Random, size: number): string[] {
  return Array.from({ length: int(r, 3, 8) }, () => {
    const x = uniform(r, 0, size);
    const y = uniform(r, 0, size);
    const colour = `rgb(${randomRgb(r).join(',')})`;
    if (r() < 0.5) {
      const a = uniform(r, 0, 2 * Math.PI);
      const n = uniform(r, 3, 10);
      const x2 = x + n * Math.cos(a);
      const y2 = y + n * Math.sin(a);
      return `<line x1="${x.toFixed(2)}" y1="${y.toFixed(2)}" x2="${x2.toFixed(2)}" y2="${y2.toFixed(2)}" stroke="${colour}" stroke-width="${int(r, 1, 2)}"/>`;
    }
    return `<circle cx="${x.toFixed(2)}" cy="${y.toFixed(2)}" r="${uniform(r, 1, 2.5).toFixed(2)}" fill="${colour}"/>`;
  });
}

function markBox(r: Random, size: number): Box {
  const far = size - MARK_MARGIN - MARK_SIDE;
  const x0 = r() < 0.5 ? MARK_MARGIN : far;
  const y0 = r() < 0.5 ? MARK_MARGIN : far;
  return [x0, y0, x0 + MARK_SIDE, y0 + MARK_SIDE];
}

/** Does the disc (cx, cy, rad) come within `gap` pixels of the box? */
function discNearBox(cx: number, cy: number, rad: number, b: Box, gap: number): boolean {
  const dx = Math.max(b[0] - cx, 0, cx - b[2]);
  const dy = Math.max(b[1] - cy, 0, cy - b[3]);
  return Math.hypot(dx, dy) < rad + gap;
}

/** Non-overlapping discs (3 px apart) inside the image and away from the mark; draws new radii when a layout fails. */
function placeDiscs(r: Random, size: number, drawRadii: () => number[], mark: Box | null): Disc[] {
  for (;;) {
    const radii = drawRadii();
    const placed: Disc[] = [];
    for (const rad of radii) {
      for (let attempt = 0; attempt < 200; attempt++) {
        const cx = uniform(r, rad + 1, size - rad - 1);
        const cy = uniform(r, rad + 1, size - rad - 1);
        if (mark && discNearBox(cx, cy, rad, mark, 2)) continue;
        if (placed.some((p) => Math.hypot(p.cx - cx, p.cy - cy) < p.r + rad + 3)) continue;
        placed.push({ cx, cy, r: rad });
        break;
      }
    }
    if (placed.length === radii.length) return placed;
  }
}

function shape(r: Random, cls: ShapeClass, disc: Disc, fill: Rgb): ShapeInstance {
  return { cls, ...disc, rotationDeg: uniform(r, 0, 360), hole: uniform(r, 0.6, 0.75), fill };
}

/** Whether the shortcut mark is drawn: in train exactly on SHORTCUT_CLASS images, in test exactly on the others. */
export function hasShortcutMark(split: Split, label: number): boolean {
  return (SHAPE_CLASSES[label] === SHORTCUT_CLASS) === (split === 'train');
}

export function imageId(scenario: Scenario, split: Split, index: number): string {
  return `${scenario}/${split}/${String(index).padStart(6, '0')}.png`;
}

/** Image `index` of a scenario: its class is index mod 8, so every split is balanced. */
export function planScene(seed: number, scenario: Scenario, split: Split, index: number, size: number): ScenePlan {
  const r = rng(mixSeed(seed, scenario, split, index));
  const label = index % SHAPE_CLASSES.length;
  const cls = SHAPE_CLASSES[label]!;
  const background = planBackground(r);
  const clutter = planClutter(r, size);
  const mark = scenario === 'shortcut' && hasShortcutMark(split, label) ? markBox(r, size) : null;
  const [lo, hi] = RADIUS[scenario];
  const radius = () => uniform(r, lo, hi) * size;
  const count = scenario === 'multi' ? int(r, 2, 3) : scenario === 'distractor' ? 2 : 1;
  const discs = placeDiscs(r, size, () => Array.from({ length: count }, radius), mark);
  const objects: PlannedObject[] = discs.map((d, k) => {
    if (scenario === 'distractor' && k === 1) {
      const other = SHAPE_CLASSES[(label + int(r, 1, SHAPE_CLASSES.length - 1)) % SHAPE_CLASSES.length]!;
      return { shape: shape(r, other, d, objectColour(r, background)), boxed: false };
    }
    return { shape: shape(r, cls, d, objectColour(r, background)), boxed: true };
  });
  return { id: imageId(scenario, split, index), scenario, split, label, size, background, clutter, objects, mark };
}
