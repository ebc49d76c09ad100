// Recently opened projects, most recent first, in CAMSCOPE_HOME/recent.json (so `npm start` reopens the last one).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { camscopeHome } from '../terminal/camscopeHome.js';
import { dirname, join, resolve } from 'node:path';

const KEEP = 12;

export interface RecentProject {
  path: string;
  /** ISO time it was last opened. */
  openedAt: string;
}

function recentFile(): string {
  return join(camscopeHome(), 'recent.json');
}

/** The list as stored; a missing or unreadable file is an empty list (it is a convenience, never worth failing for). */
export function listRecent(): RecentProject[] {
  try {
    const parsed = JSON.parse(readFileSync(recentFile(), 'utf8')) as unknown;
    return Array.isArray(parsed) ? parsed.filter((r): r is RecentProject => typeof r?.path === 'string' && typeof r?.openedAt === 'string') : [];
  } catch {
    return [];
  }
}

/** Puts a project first; written through a temporary file so two shells never leave half a list. */
export function rememberProject(path: string, now = new Date()): void {
  const abs = resolve(path);
  const list = [{ path: abs, openedAt: now.toISOString() }, ...listRecent().filter((r) => r.path !== abs)].slice(0, KEEP);
  const file = recentFile();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(list, null, 1));
  renameSync(`${file}.tmp`, file);
}

/** The most recently opened project that still exists. */
export function lastProject(): string | null {
  return listRecent().find((r) => existsSync(r.path))?.path ?? null;
}
