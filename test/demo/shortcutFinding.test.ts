// The shortcut finding on hand-made maps: where each map peaks is known, so the percentages are too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { peakCell, shortcutFinding } from '../../src-main/demo/demoStudy.js';
import { headlineTable, markdownTable } from '../../src-main/demo/studyTables.js';
import { type ImageEvaluation, methodEvaluation } from '../../src-main/evaluation/evaluationResult.js';
import type { Box } from '../../src-shared/explainTypes.js';

const SIZE = 64;
const CLASSES = ['circle', 'square', 'hexagon'];
const MARK: Box = [3, 3, 11, 11];

/** An 8×8 map (8 image pixels per cell) peaking in the cell holding image pixel (x, y). */
function peakAt(x: number, y: number) {
  const values = new Float32Array(64);
  values[Math.floor(y / 8) * 8 + Math.floor(x / 8)] = 1;
  return { target: 0, width: 8, height: 8, values, box: null };
}

function image(id: string, predicted: number, object: Box, peaks: Record<string, [number, number]>): ImageEvaluation {
  return {
    item: { id, path: `/nowhere/${id}`, label: 0, boxes: [object], width: SIZE, height: SIZE },
    predictions: [{ index: predicted, label: CLASSES[predicted]!, score: 0.9 }],
    gtIndex: 0,
    correct: predicted === 0,
    methods: Object.fromEntries(Object.entries(peaks).map(([m, [x, y]]) => [m, methodEvaluation(peakAt(x, y), {})])),
    pairs: {},
  };
}

const manifest = {
  classes: CLASSES,
  shortcutClass: 'hexagon',
  images: [
    { id: 'a.png', scenario: 'shortcut' as const, label: 0, objects: [], mark: MARK },
    { id: 'b.png', scenario: 'shortcut' as const, label: 0, objects: [], mark: MARK },
    { id: 'c.png', scenario: 'shortcut' as const, label: 0, objects: [], mark: MARK },
    { id: 'd.png', scenario: 'shortcut' as const, label: 2, objects: [], mark: null },
  ],
};
const object: Box = [30, 30, 60, 60];

test('the shortcut finding counts map maxima on the mark and on the object, over marked images only', () => {
  const shortcutModel = [
    image('a.png', 2, object, { cam: [6, 6], gradcam: [6, 6] }),
    image('b.png', 2, object, { cam: [6, 6], gradcam: [45, 45] }),
    image('c.png', 0, object, { cam: [45, 45], gradcam: [45, 45] }),
    image('d.png', 2, object, { cam: [6, 6], gradcam: [6, 6] }), // no mark: not counted
  ];
  const fcModel = [image('a.png', 0, object, { gradcam: [20, 20] }), image('b.png', 0, object, { gradcam: [45, 45] })];
  const { shortcut, marked } = shortcutFinding(
    [
      { scenario: 'single', model: 'shapes-gap', result: { images: [], refused: {} } },
      { scenario: 'shortcut', model: 'shapes-shortcut', result: { images: shortcutModel, refused: {} } },
      { scenario: 'shortcut', model: 'shapes-fc', result: { images: fcModel, refused: { cam: 'flatten' } } },
    ],
    manifest,
  );
  assert.deepEqual(
    shortcut.map((r) => [r.model, r.method, r.images, Math.round(r.predictedShortcutClass), Math.round(r.maxOnMark), Math.round(r.maxOnObject)]),
    [
      ['shapes-shortcut', 'cam', 3, 67, 67, 33],
      ['shapes-shortcut', 'gradcam', 3, 67, 33, 67],
      ['shapes-fc', 'gradcam', 2, 0, 0, 50],
    ],
  );
  assert.deepEqual(
    marked.get('shapes-shortcut')!.map((m) => m.image.item.id),
    ['a.png', 'b.png', 'c.png'],
  );
  assert.equal(marked.has('shapes-gap'), false);
});

test('the headline table marks refused CAM and renders as markdown', () => {
  const methods = (loc: number) => ({ gt_known_loc: loc, maxboxacc_v2: loc / 2 });
  const section = (model: string, refused: Record<string, string>) => ({
    scenario: 'single' as const,
    model,
    labelOffset: 0,
    images: 4,
    accuracy: 75,
    refused,
    methods: Object.fromEntries(Object.entries({ cam: methods(50), gradcam: methods(25) }).filter(([m]) => !(m in refused))),
    agreement: 'cam' in refused ? null : { pearson: 0.987, box_iou: 0.5 },
    records: [],
  });
  const table = headlineTable({ sections: [section('shapes-gap', {}), section('shapes-fc', { cam: 'flatten' })] });
  assert.deepEqual(table.rows, [
    ['single', 'shapes-gap', '4', '75.0', '50.0', '25.0', '25.0', '12.5', '0.99', '0.50'],
    ['single', 'shapes-fc', '4', '75.0', 'refused', '25.0', 'refused', '12.5', '—', '—'],
  ]);
  const md = markdownTable(table).split('\n');
  assert.equal(md[0], `| ${table.head.join(' | ')} |`);
  assert.equal(md[1], `|${' --- |'.repeat(table.head.length)}`);
  assert.equal(md[3], '| single | shapes-fc | 4 | 75.0 | refused | 25.0 | refused | 12.5 | — | — |');
});

test('peakCell is the maximum cell in image pixels, null for a constant map', () => {
  const values = new Float32Array(12);
  values[7] = 2; // column 3, row 1 of a 4×3 map
  assert.deepEqual(peakCell({ width: 4, height: 3, values }, { width: 100, height: 60 }), [75, 20, 100, 40]);
  assert.equal(peakCell({ width: 4, height: 3, values: new Float32Array(12).fill(0.5) }, { width: 100, height: 60 }), null);
});
