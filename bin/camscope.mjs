#!/usr/bin/env node
// Entry point of the `camscope` command: runs the compiled build (out/cli, `npm run build:cli`) when it
// is up to date with every source it was built from, else the TypeScript sources through tsx — a
// stale build never runs. The check is one stat per source file (a few milliseconds).
import { readFileSync, statSync } from 'node:fs';

// A closed pipe (`camscope layers … | head`) ends the command quietly.
process.stdout.on('error', (e) => (e.code === 'EPIPE' ? process.exit(0) : Promise.reject(e)));

const root = new URL('../', import.meta.url);

/** out/cli/<build>/main.mjs when every source the build read is unchanged, else why not. */
function freshBuild() {
  if (process.env.CAMSCOPE_TSX) return { stale: 'CAMSCOPE_TSX is set' };
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL('out/cli/manifest.json', root), 'utf8'));
  } catch {
    return { stale: 'no build (npm run build:cli)' };
  }
  for (const { file, size, mtimeMs } of manifest.inputs) {
    const s = statSync(new URL(file, root), { throwIfNoEntry: false });
    if (!s || s.size !== size || s.mtimeMs !== mtimeMs) return { stale: `${file} changed since the build` };
  }
  return { build: new URL(`out/cli/${manifest.build}/main.mjs`, root) };
}

const { build, stale } = freshBuild();
if (process.env.CAMSCOPE_DEBUG)
  process.stderr.write(`camscope: ${build ? `running ${build.pathname}` : `running the sources through tsx: ${stale}`}\n`);
let main;
if (build) {
  ({ main } = await import(build.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src-main/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
