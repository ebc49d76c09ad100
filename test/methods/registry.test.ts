// The methods registry (src-shared/methods.json) and the formulas attached to it: one entry per implemented
// method, exactly one default variant, library claims naming real variants, fusion only where a method fuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { METHODS, parseMethod } from '../../src-main/explain/methods/index.js';
import { LIBRARIES, METHOD_NAMES, METHOD_REGISTRY, defaultVariant } from '../../src-shared/methods.js';

const NEEDS = ['activations', 'gradients', 'headPasses', 'inputPasses', 'attention'];

test('registry: every registered method has a formula and every formula its entry', () => {
  assert.deepEqual([...METHOD_NAMES].sort(), Object.keys(METHODS).sort());
  assert.equal(new Set(METHOD_NAMES).size, METHOD_NAMES.length, 'ids are unique');
  for (const [id, method] of Object.entries(METHODS)) assert.equal(method.info.id, id, `${id}'s file attaches its own entry`);
});

test('registry: entries are complete, one default variant, first', () => {
  for (const m of METHOD_REGISTRY) {
    for (const k of ['title', 'citation', 'formula'] as const) assert.ok(m[k].length > 0 && !m[k].includes('\n'), `${m.id}.${k}: one line`);
    assert.ok(NEEDS.includes(m.needs), `${m.id}.needs`);
    assert.equal(m.passes !== null, m.needs === 'headPasses' || m.needs === 'inputPasses', `${m.id}: passes exactly for perturbation methods`);
    const defaults = m.variants.filter((v) => v.default);
    assert.equal(defaults.length, 1, `${m.id}: one default variant`);
    assert.equal(m.variants[0], defaults[0], `${m.id}: the default comes first`);
    assert.equal(new Set(m.variants.map((v) => v.name)).size, m.variants.length, `${m.id}: variant names unique`);
    for (const v of m.variants) assert.ok(v.description.length > 0, `${m.id}:${v.name} described`);
    assert.equal(!!METHODS[m.id as keyof typeof METHODS].fuse, m.fusion !== null, `${m.id}: fuses exactly when its entry says so`);
  }
});

test('registry: library claims name a known library and an existing variant', () => {
  for (const m of METHOD_REGISTRY) {
    for (const [lib, c] of Object.entries(m.libraries)) {
      assert.ok(lib in LIBRARIES, `${m.id}: unknown library ${lib}`);
      if ('variant' in c)
        assert.ok(
          m.variants.some((v) => v.name === c.variant),
          `${m.id}: ${lib} names variant ${c.variant}`,
        );
      else assert.ok(c.differs.length > 0, `${m.id}: ${lib} says how it differs`);
    }
  }
});

test('registry: parseMethod runs the default for a bare id and labels other variants id:variant', () => {
  for (const m of METHOD_REGISTRY) {
    const bare = parseMethod(m.id);
    assert.equal(bare.variant, defaultVariant(m));
    assert.equal(bare.id, m.id);
    for (const v of m.variants.slice(1)) assert.equal(parseMethod(`${m.id}:${v.name}`).id, `${m.id}:${v.name}`);
  }
  assert.throws(() => parseMethod('toString'), /unknown method 'toString'/);
  assert.throws(() => parseMethod('gradcam++:nope'), /no variant 'nope' \(paper, pytorchgradcam, torchcam, summed/);
});

test('registry: each method file cites its paper as the registry does (first author and year)', () => {
  const dir = 'src-main/explain/methods';
  const headers = readdirSync(dir).map((f) => readFileSync(`${dir}/${f}`, 'utf8').split('\n').slice(0, 3).join(' '));
  for (const m of METHOD_REGISTRY) {
    const authorYear = m.citation.split(',')[0]!.replace(/ et al\. /, ' et al. ');
    assert.ok(
      headers.some((h) => h.includes(authorYear.split(' ')[0]!) && h.includes(authorYear.slice(-4)) && h.includes(m.title)),
      `${m.id}: a method file cites ${authorYear}`,
    );
  }
});
