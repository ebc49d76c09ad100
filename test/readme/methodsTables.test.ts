// README.md's methods tables are what the registry generates (scripts/readme/methodsTables.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { blockBody } from '../../scripts/readme/generatedBlocks.js';
import { methodsTable, variantsTable } from '../../scripts/readme/methodsTables.js';

const README = readFileSync('README.md', 'utf8');
const REWRITE = 'rewrite it with node --import tsx scripts/readme/writeReadme.ts';

test('README: the methods table is generated from src-shared/methods.json', () => {
  assert.equal(blockBody(README, 'methods'), methodsTable(), REWRITE);
});

test('README: the variants ↔ libraries table is generated from src-shared/methods.json, default marked', () => {
  const body = blockBody(README, 'variants');
  assert.equal(body, variantsTable(), REWRITE);
  // The claims the issue is about, as the table states them.
  assert.match(body!, /\| `gradcam\+\+:pytorchgradcam` \| [^|]+ \| ✓ \|/);
  assert.match(body!, /\| `scorecam:pytorchgradcam` \| [^|]+ \| ✓ \|/);
  assert.match(body!, /\| `gradcam\+\+` \* \|/);
});
