// electron-builder configuration: every native module is unpacked from the asar, the bundles and
// demo models ship, and the three desktop targets are configured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const config = JSON.parse(readFileSync('electron-builder.json', 'utf8'));
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

/** Packages (by node_modules path) that ship a compiled .node binary. */
function nativePackages(dir = 'node_modules', out = new Set<string>()): Set<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name.startsWith('.') || !statSync(p).isDirectory()) continue;
    if (name.startsWith('@')) nativePackages(p, out);
    else if (hasNodeBinary(p, 4)) out.add(p.replace(/^node_modules\//, ''));
  }
  return out;
}
function hasNodeBinary(dir: string, depth: number): boolean {
  if (depth < 0) return false;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith('.node')) return true;
    if (e.isDirectory() && e.name !== 'node_modules' && hasNodeBinary(join(dir, e.name), depth - 1)) return true;
  }
  return false;
}

test('every runtime native module is unpacked from the asar', () => {
  const runtime = Object.keys(pkg.dependencies);
  const natives = [...nativePackages()].filter((p) => runtime.some((d) => p === d) || p.startsWith('@img/'));
  assert.ok(natives.includes('better-sqlite3') && natives.includes('onnxruntime-node'), `found ${natives.join(', ')}`);
  for (const p of natives) {
    const covered = config.asarUnpack.some((g: string) => g === `**/node_modules/${p.split('/')[0]}/**`);
    assert.ok(covered, `${p} is not in asarUnpack`);
  }
});

test('the app bundles, the demo models and the icon are packaged; all desktop targets are set', () => {
  for (const f of ['out/main/**', 'out/preload/**', 'out/renderer/**', 'models/**']) assert.ok(config.files.includes(f), f);
  assert.equal(pkg.main, 'out/main/index.js');
  assert.ok(existsSync(config.linux.icon));
  assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
  assert.deepEqual(config.mac.target, ['dmg']);
  assert.deepEqual(config.win.target, ['nsis']);
  assert.ok(Number(/^(\d+)/.exec(pkg.devDependencies.electron)?.[1]) >= 42, 'electron pinned ≥ 42');
});
