// Temporary project files, sample rows and child processes holding a project, for the store tests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { openProjectDatabase } from '../../src-main/store/database.js';
import { MIGRATIONS } from '../../src-main/store/migrations.js';
import type { NewImage, NewModel } from '../../src-main/store/storeTypes.js';

/** A path for a project file in a fresh directory, removed after the test. */
export function tempProject(t: TestContext, name = 'study.camscope'): string {
  const dir = mkdtempSync(join(tmpdir(), 'camscope-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, name);
}

/**
 * Turns a current project file back into one at schema `version`: every table of that and later migrations dropped,
 * newest first (foreign keys point backwards), so the next open migrates it as it would an old project.
 */
export function rewindTo(file: string, version: number): void {
  const db = openProjectDatabase(file);
  const later = MIGRATIONS.slice(version).flatMap((m) => [...m.sql.matchAll(/CREATE TABLE (\w+)/g)].map((x) => x[1]!));
  for (const table of later.reverse()) db.exec(`DROP TABLE ${table}`);
  db.pragma(`user_version = ${version}`);
  db.close();
}

export function sha(seed: string | number): string {
  return createHash('sha256').update(String(seed)).digest('hex');
}

export function sampleImage(i: number, extra: Partial<NewImage> = {}): NewImage {
  return { path: `images/img${i}.png`, sha256: sha(`image ${i}`), width: 64 + i, height: 48, ...extra };
}

export function sampleModel(extra: Partial<NewModel> = {}): NewModel {
  return {
    path: 'models/shapes-gap.onnx',
    sha256: sha('model'),
    input: { name: 'input', shape: ['N', 3, 32, 32] },
    preprocessing: { width: 32, height: 32, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], source: 'preset:imagenet' },
    labels: ['background', 'circle', 'square', 'triangle'],
    labelOffset: 0,
    numClasses: 4,
    defaultLayer: 'features.3',
    ...extra,
  };
}

/** Reads a project's tables directly, bypassing the store, to check what really is in the file. */
export function countRows(file: string, table: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  } finally {
    db.close();
  }
}

const PROJECT_STORE = resolve('src-main/store/projectStore.ts');

/**
 * A child node process that opens `file` as `store`, runs `body` (top-level await allowed), prints
 * 'ready' and holds the project until a line arrives on its stdin, when it closes the store and exits.
 */
export function spawnWithStore(file: string, body = ''): ChildProcess {
  const code = `import { ProjectStore } from ${JSON.stringify(PROJECT_STORE)};
const store = ProjectStore.open(${JSON.stringify(file)});
${body}
console.log('ready');
process.stdin.on('data', () => { store.close(); process.exit(0); });`;
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Resolves once the child prints 'ready'; rejects, with its stderr, when it exits first. */
export function ready(child: ChildProcess): Promise<void> {
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`child not ready after 60 s: ${stderr}`)), 60_000);
    child.stdout!.on('data', (d) => String(d).includes('ready') && (clearTimeout(timer), ok()));
    child.once('exit', (code, signal) => (clearTimeout(timer), fail(new Error(`child exited (${code ?? signal}) before ready: ${stderr}`))));
  });
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
}

/** The pid of a process that has already exited, for stale-lock rows. */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}
