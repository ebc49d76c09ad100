// The synthetic WSOL benchmark: determinism, exact boxes (recovered from the written PNGs, not from the
// generator's own alpha), each scenario's invariants, and the wsolevaluation metadata read back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import type { Box } from '../../src-shared/explainTypes.js';
import { generateSynth, type SynthManifest } from '../../src-main/synth/generate.js';
import { alphaBox, nearDisc, renderScene } from '../../src-main/synth/render.js';
import { type Disc, MARK_SIDE, SCENARIOS, SHORTCUT_CLASS, planScene, type ScenePlan, type Split } from '../../src-main/synth/scene.js';
import { SHAPE_CLASSES } from '../../src-main/synth/shapes.js';
import { runCli } from '../helpers/cli.js';

const SIZE = 128;
const COUNT = 8; // one image per class and scenario

const tmp = () => mkdtempSync(join(tmpdir(), 'camscope-synth-'));
const generate = (seed: number, split: Split, out = tmp()) =>
  generateSynth({ out, seed, count: COUNT, scenarios: SCENARIOS, split, size: SIZE }).then((m) => ({ out, m }));

const testSet = generate(7, 'test');
const trainSet = generate(7, 'train');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
}

const rows = (dir: string, name: string) =>
  readFileSync(join(dir, name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(','));

/** localization.txt read back as camscope boxes (its x1/y1 are inclusive). */
function truthBoxes(dir: string): Map<string, Box[]> {
  const boxes = new Map<string, Box[]>();
  for (const [id, x0, y0, x1, y1] of rows(dir, 'localization.txt')) {
    boxes.set(id!, [...(boxes.get(id!) ?? []), [Number(x0), Number(y0), Number(x1) + 1, Number(y1) + 1]]);
  }
  return boxes;
}

async function rgb(png: Buffer | string): Promise<Buffer> {
  return sharp(png).removeAlpha().raw().toBuffer();
}

test('the same seed gives byte-identical files; another seed gives other images and boxes', async () => {
  const { out: a } = await testSet;
  const { out: b } = await generate(7, 'test');
  const { out: c } = await generate(8, 'test');
  const names = files(a)
    .map((f) => relative(a, f))
    .sort();
  assert.deepEqual(
    files(b)
      .map((f) => relative(b, f))
      .sort(),
    names,
  );
  for (const n of names) assert.ok(readFileSync(join(a, n)).equals(readFileSync(join(b, n))), n);
  const differing = names.filter((n) => !readFileSync(join(a, n)).equals(readFileSync(join(c, n))));
  assert.ok(differing.includes('localization.txt'));
  assert.equal(differing.filter((n) => n.endsWith('.png')).length, SCENARIOS.length * COUNT);
});

test('the metadata files parse back consistently with the images and synth.json', async () => {
  const { out, m } = await testSet;
  const ids = rows(out, 'image_ids.txt').map((r) => r[0]!);
  assert.equal(ids.length, SCENARIOS.length * COUNT);
  assert.equal(ids[0], 'single/test/000000.png');
  assert.deepEqual(
    ids,
    m.images.map((i) => i.id),
  );
  assert.deepEqual(
    rows(out, 'classes.txt').map((r) => r[0]),
    [...SHAPE_CLASSES],
  );
  assert.deepEqual(
    rows(out, 'class_labels.txt'),
    m.images.map((i) => [i.id, String(i.label)]),
  );
  const boxes = truthBoxes(out);
  for (const [id, w, h] of rows(out, 'image_sizes.txt')) {
    const meta = await sharp(join(out, id!)).metadata();
    assert.deepEqual([meta.width, meta.height], [Number(w), Number(h)], id);
    const image = m.images.find((i) => i.id === id)!;
    assert.deepEqual(
      boxes.get(id!),
      image.objects.filter((o) => o.boxed).map((o) => o.box),
      id,
    );
    for (const [x0, y0, x1, y1] of boxes.get(id!)!) assert.ok(0 <= x0 && x0 < x1 && x1 <= SIZE && 0 <= y0 && y0 < y1 && y1 <= SIZE, id);
  }
  assert.equal(
    rows(out, 'localization.txt').length,
    m.images.reduce((n, i) => n + i.objects.filter((o) => o.boxed).length, 0),
  );
});

/**
 * Which object alphas (0..255) explain a written pixel, given the pixel without the object and the object's
 * colour: composite = (colour·α + under·(255 − α)) / 255 on every channel, give or take 1.5 levels (librsvg
 * keeps the colour premultiplied in 8 bits, the blend rounds again).
 */
function alphaRange(pixel: ArrayLike<number>, under: ArrayLike<number>, colour: readonly number[]): [number, number] {
  let lo = 256;
  let hi = -1;
  for (let a = 0; a <= 255; a++) {
    let fits = true;
    for (let c = 0; c < 3 && fits; c++) fits = Math.abs(pixel[c]! - (colour[c]! * a + under[c]! * (255 - a)) / 255) <= 1.51;
    if (fits) [lo, hi] = [Math.min(lo, a), a];
  }
  return [lo, hi];
}

/**
 * Checks a ground-truth box against the written image: every pixel that can only be the object at
 * ≥ 50 % alpha lies inside, and each box edge line holds a pixel that can be (a box one pixel too large
 * or too small fails one of the two).
 */
function checkExact(id: string, box: Box, disc: Disc, colour: readonly number[], written: Buffer, under: Buffer): void {
  const edgeHit = [false, false, false, false];
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      if (!nearDisc(disc, x, y)) continue;
      const o = (y * SIZE + x) * 3;
      const [lo, hi] = alphaRange(written.subarray(o, o + 3), under.subarray(o, o + 3), colour);
      assert.ok(hi >= 0, `${id}: pixel (${x}, ${y}) is no blend of the object over its background`);
      const inside = x >= box[0] && x < box[2] && y >= box[1] && y < box[3];
      if (lo >= 128) assert.ok(inside, `${id}: object pixel (${x}, ${y}) outside its box ${box}`);
      if (inside && hi >= 128) {
        if (x === box[0]) edgeHit[0] = true;
        if (y === box[1]) edgeHit[1] = true;
        if (x === box[2] - 1) edgeHit[2] = true;
        if (y === box[3] - 1) edgeHit[3] = true;
      }
    }
  }
  assert.deepEqual(edgeHit, [true, true, true, true], `${id}: box ${box} has an edge without object pixels`);
}

test('every written box hugs its object in the written image', async () => {
  const { out, m } = await testSet;
  const boxes = truthBoxes(out);
  for (const image of m.images) {
    const plan = planScene(m.seed, image.scenario, m.split, Number(image.id.slice(-10, -4)), SIZE);
    const written = await rgb(join(out, image.id));
    const under = await rgb((await renderScene(plan, { objects: false })).png);
    const boxed = plan.objects.filter((o) => o.boxed);
    assert.equal(boxes.get(image.id)!.length, boxed.length);
    boxed.forEach((o, k) => checkExact(image.id, boxes.get(image.id)![k]!, o.shape, o.shape.fill, written, under));
  }
});

test('a hand-placed axis-aligned square is boxed on its edges', async () => {
  // The unit square's corners lie at 45°, so circumradius 10·√2 around (30, 40) spans x 20..40, y 30..50.
  const plan: ScenePlan = {
    ...planScene(1, 'single', 'test', 1, SIZE),
    clutter: [],
    objects: [{ boxed: true, shape: { cls: 'square', cx: 30, cy: 40, r: 10 * Math.SQRT2, rotationDeg: 0, hole: 0, fill: [255, 0, 0] } }],
  };
  const { objectAlpha } = await renderScene(plan);
  assert.deepEqual(alphaBox(objectAlpha, SIZE), [20, 30, 40, 50]);
  assert.deepEqual(alphaBox(objectAlpha, SIZE, { cx: 30, cy: 40, r: 10 * Math.SQRT2 }), [20, 30, 40, 50]);
  assert.equal(alphaBox(objectAlpha, SIZE, { cx: 80, cy: 40, r: 20 }), null);
});

const byScenario = (m: SynthManifest, s: string) => m.images.filter((i) => i.scenario === s);

test('scenario invariants: single, small, multi, distractor', async () => {
  const { out, m } = await testSet;
  const boxes = truthBoxes(out);
  for (const s of ['single', 'small', 'multi', 'distractor']) {
    assert.deepEqual(
      byScenario(m, s).map((i) => i.label),
      [0, 1, 2, 3, 4, 5, 6, 7],
      s,
    );
  }
  for (const i of byScenario(m, 'single'))
    assert.deepEqual(
      i.objects.map((o) => [o.class, o.boxed]),
      [[SHAPE_CLASSES[i.label], true]],
    );
  for (const i of byScenario(m, 'small')) {
    const [[x0, y0, x1, y1]] = boxes.get(i.id)! as [Box];
    assert.ok((x1 - x0) * (y1 - y0) < 0.1 * SIZE * SIZE, `${i.id}: box area ${(x1 - x0) * (y1 - y0)}`);
  }
  const multiCounts = byScenario(m, 'multi').map((i) => {
    assert.ok(
      i.objects.every((o) => o.boxed && o.class === SHAPE_CLASSES[i.label]),
      i.id,
    );
    assert.equal(boxes.get(i.id)!.length, i.objects.length);
    return i.objects.length;
  });
  assert.ok(multiCounts.every((n) => n === 2 || n === 3) && new Set(multiCounts).size === 2, String(multiCounts));
  for (const i of byScenario(m, 'distractor')) {
    const [target, distractor] = i.objects;
    assert.equal(i.objects.length, 2);
    assert.deepEqual([target!.class, target!.boxed], [SHAPE_CLASSES[i.label], true]);
    assert.ok(!distractor!.boxed && distractor!.class !== target!.class, i.id);
    assert.deepEqual(boxes.get(i.id), [target!.box]);
  }
});

test('shortcut: the mark accompanies exactly one class in train and every other class in test', async () => {
  for (const { out, m } of [await trainSet, await testSet]) {
    for (const i of byScenario(m, 'shortcut')) {
      const isShortcutClass = SHAPE_CLASSES[i.label] === SHORTCUT_CLASS;
      assert.equal(i.mark !== null, m.split === 'train' ? isShortcutClass : !isShortcutClass, i.id);
      // The mark is a checker of 2×2 black and white cells on whole pixels.
      const written = await rgb(join(out, i.id));
      const [mx, my] = i.mark ?? [0, 0];
      const cells = Array.from({ length: MARK_SIDE * MARK_SIDE }, (_, k) => {
        const [x, y] = [mx + (k % MARK_SIDE), my + Math.floor(k / MARK_SIDE)];
        const white = (Math.floor((x - mx) / 2) + Math.floor((y - my) / 2)) % 2 === 0;
        return [...written.subarray((y * SIZE + x) * 3, (y * SIZE + x) * 3 + 3)].every((v) => v === (white ? 255 : 0));
      });
      assert.equal(cells.every(Boolean), i.mark !== null, i.id);
    }
  }
});

test('camscope synth writes a set and refuses bad options with one line', async () => {
  const out = tmp();
  const ok = await runCli(['synth', '--out', out, '--seed', '3', '--count', '2', '--scenario', 'multi', '--split', 'train', '--size', '96']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(rows(out, 'image_sizes.txt'), [
    ['multi/train/000000.png', '96', '96'],
    ['multi/train/000001.png', '96', '96'],
  ]);
  const bad = await runCli(['synth', '--out', out, '--scenario', 'crowd']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^camscope: --scenario: expected single, small, multi, distractor, shortcut or all, got 'crowd'\n$/);
  assert.equal((await runCli(['synth', '--scenario', 'single'])).code, 2);
});
