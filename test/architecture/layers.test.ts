// The import layers of ARCHITECTURE.md, enforced: layers.json ranks each folder, and the tree's import graph
// (read by importGraph.ts with the TypeScript parser) may only go down, never round. The synthetic graphs below
// prove each rule can fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ImportEdge, type Layers, checkLayers, cycles, importSpecifiers, readGraph, resolveRelative } from './importGraph.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const layers = JSON.parse(readFileSync(join(here, 'layers.json'), 'utf8')) as Layers;

test('src-main, src-shared and src-renderer import only downward, without cycles', () => {
  const { files, edges } = readGraph(
    repo,
    layers.trees.map((t) => t.name),
  );
  assert.ok(files.length > 150 && edges.length > 600, `read ${files.length} files, ${edges.length} imports`);
  assert.ok(files.some((f) => f.endsWith('.svelte')) && edges.some((e) => e.from.endsWith('.svelte') && e.local), 'Svelte files are read');
  assert.deepEqual(checkLayers(files, edges, layers), []);
});

test('every folder of each tree has a rank in layers.json and ARCHITECTURE.md names every rank', () => {
  const doc = readFileSync(join(repo, 'ARCHITECTURE.md'), 'utf8');
  for (const tree of layers.trees) {
    const line = tree.ranks.join(' → ');
    assert.ok(doc.includes(line), `ARCHITECTURE.md lists ${tree.name}'s ranks as "${line}"`);
  }
});

test('the parser finds static, type-only, re-exported, dynamic, import-type and Svelte imports', () => {
  const ts = [
    "import a from './a.js';",
    "import type { B } from './b.js';",
    "import { type C, type D } from './c.js';",
    "import { type E, f } from './e.js';",
    "export { g } from './g.js';",
    "export type { H } from './h.js';",
    "import './side.js';",
    "const m = await import('./lazy.js');",
    "let t: import('./typed.js').T;",
    "const r = require('node:fs');",
    "// import x from './commented.js';",
    'const s = "import y from \'./string.js\'";',
  ].join('\n');
  assert.deepEqual(importSpecifiers('x.ts', ts), [
    { spec: './a.js', typeOnly: false },
    { spec: './b.js', typeOnly: true },
    { spec: './c.js', typeOnly: true },
    { spec: './e.js', typeOnly: false },
    { spec: './g.js', typeOnly: false },
    { spec: './h.js', typeOnly: true },
    { spec: './side.js', typeOnly: false },
    { spec: './lazy.js', typeOnly: false },
    { spec: './typed.js', typeOnly: true },
    { spec: 'node:fs', typeOnly: false },
  ]);
  const svelte = `<script module lang="ts">\n  import { x } from './mod.js';\n</script>\n<script lang="ts">\n  import V from './V.svelte';\n</script>\n<p>import z from './markup.js'</p>`;
  assert.deepEqual(
    importSpecifiers('V.svelte', svelte).map((s) => s.spec),
    ['./mod.js', './V.svelte'],
  );
});

test('relative specifiers resolve as the tree writes them', () => {
  const have = new Set(['src/a.ts', 'src/b/index.ts', 'src/V.svelte', 'src/s.svelte.ts', 'data.json']);
  const exists = (p: string) => have.has(p);
  assert.equal(resolveRelative('src/x.ts', './a.js', exists), 'src/a.ts');
  assert.equal(resolveRelative('src/x.ts', './a', exists), 'src/a.ts');
  assert.equal(resolveRelative('src/x.ts', './b', exists), 'src/b/index.ts');
  assert.equal(resolveRelative('src/x.ts', './V.svelte', exists), 'src/V.svelte');
  assert.equal(resolveRelative('src/x.ts', './s.svelte.js', exists), 'src/s.svelte.ts');
  assert.equal(resolveRelative('src/x.ts', '../data.json', exists), 'data.json');
  assert.equal(resolveRelative('src/x.ts', './missing.js', exists), undefined);
});

// A small synthetic world: shared < main (low < mid < high) and a renderer.
const world: Layers = {
  trees: [
    { name: 'shared', ranks: ['types'], mayImport: [], packages: ['zod'], nodeBuiltins: false },
    { name: 'main', ranks: ['low', 'mid', 'high'], mayImport: ['shared'], packages: ['*'], nodeBuiltins: true },
    { name: 'ui', ranks: ['lib', 'views', 'App'], rootFolder: 'App', mayImport: ['shared'], packages: ['svelte'], nodeBuiltins: false },
  ],
  packageOwners: { electron: ['main/high/shell/'] },
  knownViolations: [],
};
const files = [
  'shared/types.ts',
  'main/low/a.ts',
  'main/low/b.ts',
  'main/mid/m.ts',
  'main/mid/x.ts',
  'main/high/h.ts',
  'main/high/shell/e.ts',
  'ui/lib/l.ts',
  'ui/views/V.svelte',
  'ui/App.svelte',
  'ui/main.ts',
];
const edge = (from: string, to: string, typeOnly = false): ImportEdge => ({ from, to, local: to.includes('/') && !to.startsWith('node:'), typeOnly });
const good = [
  edge('main/mid/m.ts', 'main/low/a.ts'),
  edge('main/high/h.ts', 'main/mid/m.ts'),
  edge('main/low/a.ts', 'main/low/b.ts'),
  edge('main/low/a.ts', 'shared/types.ts'),
  edge('main/high/shell/e.ts', 'electron'),
  edge('main/high/h.ts', 'electron', true),
  edge('shared/types.ts', 'zod'),
  edge('ui/views/V.svelte', 'ui/lib/l.ts'),
  edge('ui/App.svelte', 'ui/views/V.svelte'),
  edge('ui/main.ts', 'ui/App.svelte'),
  edge('ui/lib/l.ts', 'shared/types.ts'),
  edge('ui/lib/l.ts', 'svelte'),
];
const check = (extra: ImportEdge[], l: Layers = world) => checkLayers(files, [...good, ...extra], l);

test('a clean synthetic graph passes', () => {
  assert.deepEqual(check([]), []);
});

test('an upward import fails, and the cycle it closes is named', () => {
  assert.deepEqual(check([edge('main/low/b.ts', 'main/mid/m.ts')]), [
    'main/low/b.ts -> main/mid/m.ts: upward import: low (rank 0) imports mid (rank 1)',
    'file cycle: main/low/a.ts ↔ main/low/b.ts ↔ main/mid/m.ts',
    'folder cycle: main/low ↔ main/mid',
  ]);
  // A type-only import is an edge like any other.
  assert.equal(
    check([edge('main/low/b.ts', 'main/high/h.ts', true)])[0],
    'main/low/b.ts -> main/high/h.ts: upward import: low (rank 0) imports high (rank 2)',
  );
});

test('src-shared may import neither node, electron nor src-main; the renderer not src-main', () => {
  assert.deepEqual(
    check([
      edge('shared/types.ts', 'node:fs'),
      edge('shared/types.ts', 'fs'),
      edge('shared/types.ts', 'electron'),
      edge('shared/types.ts', 'main/high/shell/e.ts'),
    ]),
    [
      'shared/types.ts -> node:fs: shared may not import node builtins',
      'shared/types.ts -> fs: shared may not import node builtins',
      "shared/types.ts -> electron: shared may not import package 'electron'",
      'shared/types.ts -> main/high/shell/e.ts: shared may not import main',
      'folder cycle: main/high ↔ main/low ↔ main/mid ↔ shared/types',
    ],
  );
  assert.deepEqual(check([edge('ui/views/V.svelte', 'main/low/a.ts'), edge('ui/lib/l.ts', 'node:path')]), [
    'ui/views/V.svelte -> main/low/a.ts: ui may not import main',
    'ui/lib/l.ts -> node:path: ui may not import node builtins',
  ]);
  assert.deepEqual(check([edge('main/mid/m.ts', 'electron')]), ["main/mid/m.ts -> electron: only main/high/shell/ may import 'electron'"]);
});

test('a file cycle inside one folder fails', () => {
  assert.deepEqual(check([edge('main/low/b.ts', 'main/low/a.ts', true)]), ['file cycle: main/low/a.ts ↔ main/low/b.ts']);
});

test('a folder cycle fails even when no single file cycle exists', () => {
  // low/b → mid/x, and mid/m → low/a → low/b: the folders go round, no file does.
  const problems = check([edge('main/low/b.ts', 'main/mid/x.ts')]);
  assert.deepEqual(problems, [
    'main/low/b.ts -> main/mid/x.ts: upward import: low (rank 0) imports mid (rank 1)',
    'folder cycle: main/low ↔ main/mid',
  ]);
});

test('an unranked folder fails; a listed violation passes only while its edge exists', () => {
  assert.deepEqual(checkLayers([...files, 'main/stray/s.ts'], good, world), ["main/stray/s.ts: folder 'stray' has no rank in main"]);
  const listed: Layers = { ...world, knownViolations: [{ edge: 'main/low/b.ts -> main/mid/m.ts', why: 'on its way out' }] };
  assert.deepEqual(check([edge('main/low/b.ts', 'main/mid/m.ts')], listed), []);
  assert.deepEqual(check([], listed), ["knownViolations lists 'main/low/b.ts -> main/mid/m.ts', which is no longer a violation: remove it"]);
});

test('cycles are the strongly connected components with more than one member', () => {
  const g: Record<string, string[]> = { a: ['b'], b: ['c'], c: ['a', 'd'], d: [], e: ['e'], f: ['g'], g: ['f'] };
  assert.deepEqual(cycles(Object.keys(g), (n) => g[n]!).sort(), [
    ['a', 'b', 'c'],
    ['f', 'g'],
  ]);
});
