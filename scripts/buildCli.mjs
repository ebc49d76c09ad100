// `npm run build:cli` (also run by `npm install`/`npm ci` through "prepare"): compiles the CLI and the
// explain worker to JavaScript with esbuild, so `camscope` starts without compiling TypeScript.
// Output: out/cli/<build id>/{main.mjs, explainWorker.mjs, chunks} and out/cli/manifest.json, which
// lists every source file the build read with its size and mtime. bin/camscope.mjs runs the build only
// while every one of those files is unchanged, and the sources through tsx otherwise: a stale build
// never runs. The manifest is written last (atomically), so a half-written build is never picked.
import { build } from 'esbuild';
import { readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outRoot = join(root, 'out', 'cli');
const id = `${Date.now().toString(36)}-${process.pid}`;
const outdir = join(outRoot, id);
const started = Date.now();

const result = await build({
  absWorkingDir: root,
  entryPoints: { main: 'src-main/cli/main.ts', explainWorker: 'src-main/services/explainWorker.ts' },
  outdir,
  bundle: true,
  splitting: true, // commands are imported lazily: `camscope --help` loads none of ONNX Runtime, sharp or SQLite
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  outExtension: { '.js': '.mjs' },
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});

const inputs = Object.keys(result.metafile.inputs)
  .filter((f) => !f.startsWith('node_modules/'))
  .map((file) => {
    const s = statSync(join(root, file));
    return { file, size: s.size, mtimeMs: s.mtimeMs };
  });
// A source edited while esbuild read it may be in the build in either state: leave no manifest.
const edited = inputs.find((i) => i.mtimeMs >= started);
if (edited) {
  rmSync(outdir, { recursive: true, force: true });
  console.error(`build:cli: ${edited.file} changed during the build; run it again`);
  process.exit(1);
}
const tmp = join(outRoot, `manifest.${id}.json`);
writeFileSync(tmp, JSON.stringify({ build: id, inputs }) + '\n');
renameSync(tmp, join(outRoot, 'manifest.json'));
// Builds older than a day go (a long-running `camscope serve` still loads chunks and forks its worker from its own).
const DAY_MS = 24 * 3600 * 1000;
for (const e of readdirSync(outRoot, { withFileTypes: true })) {
  const dir = join(outRoot, e.name);
  if (e.isDirectory() && e.name !== id && statSync(dir).mtimeMs < started - DAY_MS) rmSync(dir, { recursive: true, force: true });
}
console.log(`build:cli: ${inputs.length} sources → out/cli/${id} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
