// README's "Bundled models" table: generated from models/models.json (no pasted figure), and its accuracy figures
// agree with a fresh inference on newly generated images (a seed the training script never used).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Explainer } from '../../src-main/explain/explainer.js';
import { generateSynth } from '../../src-main/synth/generate.js';
import type { Scenario, Split } from '../../src-main/synth/scene.js';
import { blockBody } from '../../scripts/readme/generatedBlocks.js';
import { ACCURACY_COLUMNS, modelsTable } from '../../scripts/readme/modelsTable.js';

const README = readFileSync('README.md', 'utf8');
const FRESH_SEED = 31;
const FRESH_COUNT = 40;
/** 40 images: a binomial standard error of up to 8 points; the figures come from 400. */
const TOLERANCE = 15;

test('README: the bundled models table is generated from models/models.json', () => {
  assert.equal(blockBody(README, 'models'), modelsTable(), 'rewrite it with node --import tsx scripts/readme/writeReadme.ts');
});

/** The README's figure (percent) for a model and column. */
function readmeFigure(model: string, column: (typeof ACCURACY_COLUMNS)[number]): number {
  const lines = blockBody(README, 'models')!.split('\n');
  const cells = (l: string) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
  const col = cells(lines[0]!).indexOf(column);
  const row = lines.map(cells).find((c) => c[0] === `\`${model}.onnx\``)!;
  return Number.parseFloat(row[col]!);
}

const CHECKS: { model: string; column: (typeof ACCURACY_COLUMNS)[number]; scenario: Scenario; split: Split }[] = [
  { model: 'shapes-gap', column: 'single', scenario: 'single', split: 'test' },
  { model: 'shapes-fc', column: 'single', scenario: 'single', split: 'test' },
  { model: 'shapes-shortcut', column: 'shortcut (train distribution)', scenario: 'shortcut', split: 'train' },
  { model: 'shapes-shortcut', column: 'shortcut', scenario: 'shortcut', split: 'test' },
];

test('README: the accuracy figures agree with a fresh inference on newly generated images', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'camscope-readme-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  for (const c of CHECKS) {
    const dir = join(out, `${c.scenario}-${c.split}`);
    const manifest = await generateSynth({ out: dir, seed: FRESH_SEED, count: FRESH_COUNT, scenarios: [c.scenario], split: c.split, size: 128 });
    const ex = await Explainer.open(`models/${c.model}.onnx`);
    try {
      const results = await ex.explain(
        manifest.images.map((i) => join(dir, i.id)),
        { methods: [], target: 'top1' },
      );
      const fresh = (100 * results.filter((r, i) => r.predictions[0]!.index === manifest.images[i]!.label).length) / results.length;
      const figure = readmeFigure(c.model, c.column);
      assert.ok(Math.abs(fresh - figure) <= TOLERANCE, `${c.model} on ${c.column}: README ${figure} %, fresh ${fresh} %`);
      t.diagnostic(`${c.model} ${c.column}: README ${figure} %, fresh ${fresh.toFixed(1)} %`);
    } finally {
      await ex.close();
    }
  }
});
