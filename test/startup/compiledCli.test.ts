// bin/camscope.mjs runs the compiled build only while every source it was built from is unchanged;
// the real build (scripts/buildCli.mjs) runs and answers like the sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runCli } from '../helpers/cli.js';

const repo = resolve('.');

function camscope(root: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [join(root, 'bin', 'camscope.mjs'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
}

/** A checkout with one source file, a build of it and a sources entry that say which one ran. */
function fakeCheckout(): { root: string; source: string } {
  const root = mkdtempSync(join(tmpdir(), 'camscope-bin-'));
  mkdirSync(join(root, 'bin'));
  copyFileSync(join(repo, 'bin', 'camscope.mjs'), join(root, 'bin', 'camscope.mjs'));
  symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
  mkdirSync(join(root, 'src-main', 'cli'), { recursive: true });
  const source = join(root, 'src-main', 'cli', 'main.ts');
  writeFileSync(source, "export async function main(): Promise<number> { console.log('sources'); return 0; }\n");
  mkdirSync(join(root, 'out', 'cli', 'b1'), { recursive: true });
  writeFileSync(join(root, 'out', 'cli', 'b1', 'main.mjs'), "export async function main() { console.log('compiled'); return 0; }\n");
  const s = statSync(source);
  const inputs = [{ file: 'src-main/cli/main.ts', size: s.size, mtimeMs: s.mtimeMs }];
  writeFileSync(join(root, 'out', 'cli', 'manifest.json'), JSON.stringify({ build: 'b1', inputs }));
  return { root, source };
}

test('an up-to-date build runs; a touched, edited or deleted source falls back to the sources', () => {
  const { root, source } = fakeCheckout();
  try {
    assert.equal(camscope(root, []).stdout, 'compiled\n');
    assert.equal(camscope(root, [], { CAMSCOPE_TSX: '1' }).stdout, 'sources\n');
    const later = new Date(Date.now() + 5000);
    utimesSync(source, later, later);
    const touched = camscope(root, [], { CAMSCOPE_DEBUG: '1' });
    assert.equal(touched.stdout, 'sources\n');
    assert.match(touched.stderr, /src-main\/cli\/main\.ts changed since the build/);
    rmSync(join(root, 'out', 'cli', 'manifest.json'));
    assert.equal(camscope(root, []).stdout, 'sources\n', 'no manifest, no build');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an edited source falls back to the sources', () => {
  const { root, source } = fakeCheckout();
  try {
    writeFileSync(source, "export async function main(): Promise<number> { console.log('sources'); return 0; }\n// edited\n");
    assert.equal(camscope(root, []).stdout, 'sources\n');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the real build runs the commands like the sources do', async () => {
  const built = spawnSync(process.execPath, [join(repo, 'scripts', 'buildCli.mjs')], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  const r = camscope(repo, ['--help'], { CAMSCOPE_DEBUG: '1' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /running .*out\/cli\/.*\/main\.mjs/);
  assert.equal(r.stdout, (await runCli(['--help'])).stdout);
  const bad = camscope(repo, ['layers', '--model', join(tmpdir(), 'camscope-no-such-model.onnx')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^camscope: .*camscope-no-such-model\.onnx: file not found\n$/);
});
