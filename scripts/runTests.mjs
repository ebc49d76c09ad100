// Runs every test/**/*.test.ts with Node's test runner (TypeScript through tsx); a test that hangs
// fails after 5 minutes instead of stalling CI.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

// `npm start` under Electron rebuilds native modules for Electron's ABI; put Node's back if so.
const probe = spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { encoding: 'utf8' });
if (probe.status !== 0 && /NODE_MODULE_VERSION/.test(probe.stderr)) {
  spawnSync('npm', ['rebuild', 'better-sqlite3'], { stdio: 'inherit' });
}

const filter = process.argv[2];
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts') && (!filter || p.includes(filter))) files.push(p);
  }
})('test');
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
