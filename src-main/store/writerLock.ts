// Single-writer lock of a project: an OS lock on the sidecar `<project>.lock` plus a row naming who holds it.
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CamscopeError, firstLine } from '../errors.js';

export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the holder took the lock. */
  since: string;
}

// The sidecar is a tiny SQLite file whose RESERVED lock (which readers do not block) is the writer lock.
// That OS lock vanishes with the holding process however it ends, so a row left by a dead process is
// simply overwritten and a recycled pid can never look alive. The file is never deleted: unlinking a
// file another process has open would let two writers each lock a different inode.
export class WriterLock {
  private constructor(
    private db: Database.Database | null,
    readonly file: string,
    private readonly token: string,
    /** The row left by a holder that died without releasing, when this lock replaced it. */
    readonly staleHolder: LockHolder | null,
  ) {}

  /** Takes the lock of projectFile, or throws a CamscopeError naming the current holder. */
  static acquire(projectFile: string): WriterLock {
    const file = `${projectFile}.lock`;
    let db: Database.Database;
    try {
      db = new Database(file, { timeout: 0 });
    } catch (e) {
      throw new CamscopeError(`${projectFile}: cannot create the lock file ${file} (${firstLine(e)})`);
    }
    try {
      if (!tryBegin(db)) throw heldError(projectFile, readHolder(db));
      db.exec(`CREATE TABLE IF NOT EXISTS holder (
        id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, host TEXT NOT NULL, since TEXT NOT NULL, token TEXT NOT NULL)`);
      const stale = holderRow(db);
      const token = randomUUID();
      // Commit so readers can see the row, then lock again. A failed re-lock means someone slipped in
      // between and holds it now; a foreign row under a re-taken lock is rewritten until it is ours.
      for (;;) {
        db.prepare('INSERT OR REPLACE INTO holder (id, pid, host, since, token) VALUES (1, ?, ?, ?, ?)').run(
          process.pid,
          hostname(),
          new Date().toISOString(),
          token,
        );
        withTimeout(db, 2000, () => db.exec('COMMIT'));
        if (!tryBegin(db)) throw heldError(projectFile, readHolder(db));
        const row = db.prepare('SELECT token FROM holder WHERE id = 1').get() as { token: string } | undefined;
        if (row?.token === token) break;
      }
      return new WriterLock(db, file, token, stale);
    } catch (e) {
      db.close();
      if (e instanceof CamscopeError) throw e;
      throw new CamscopeError(`${projectFile}: lock file ${file} is unusable (${firstLine(e)}); delete it if no camscope has the project open`);
    }
  }

  /** Clears the row and releases the OS lock in one commit. Idempotent. */
  release(): void {
    const db = this.db;
    if (!db) return;
    this.db = null;
    try {
      db.prepare('DELETE FROM holder WHERE token = ?').run(this.token);
      withTimeout(db, 2000, () => db.exec('COMMIT'));
    } catch {
      // A row that could not be cleared is harmless: the next writer overwrites it.
    } finally {
      db.close(); // closing also rolls back, which is what frees the lock if COMMIT failed
    }
  }
}

/** BEGIN IMMEDIATE without waiting: false when another connection holds the write lock. */
function tryBegin(db: Database.Database): boolean {
  try {
    db.exec('BEGIN IMMEDIATE');
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'SQLITE_BUSY') return false;
    throw e;
  }
}

function withTimeout<T>(db: Database.Database, ms: number, fn: () => T): T {
  db.pragma(`busy_timeout = ${ms}`);
  try {
    return fn();
  } finally {
    db.pragma('busy_timeout = 0');
  }
}

function holderRow(db: Database.Database): LockHolder | null {
  const row = db.prepare('SELECT pid, host, since FROM holder WHERE id = 1').get() as LockHolder | undefined;
  return row ?? null;
}

/** The holder's row; it may be missing for an instant while a brand-new lock file gets its table. */
function readHolder(db: Database.Database): LockHolder | null {
  try {
    return withTimeout(db, 2000, () => holderRow(db));
  } catch {
    return null;
  }
}

function heldError(projectFile: string, h: LockHolder | null): CamscopeError {
  const who = h
    ? `pid ${h.pid} on ${h.host} since ${h.since}${h.pid === process.pid && h.host === hostname() ? ' (this process)' : ''}`
    : 'another process';
  return new CamscopeError(`${projectFile}: already open for writing by ${who}; open it read-only or close it there first`);
}
