// Opens a project's SQLite file: refuses foreign, non-SQLite or too-new files before writing, sets pragmas, migrates.
import Database from 'better-sqlite3';
import { accessSync, closeSync, constants, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import { CamscopeError, firstLine } from '../errors.js';
import { APPLICATION_ID, MIGRATIONS, type Migration } from './migrations.js';

export interface OpenDatabaseOptions {
  readonly?: boolean;
  /** Create the file when it does not exist (write mode only). */
  create?: boolean;
  /** The schema to bring the file to; tests pass their own lists to exercise upgrades. */
  migrations?: readonly Migration[];
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

export function openProjectDatabase(file: string, options: OpenDatabaseOptions = {}): Database.Database {
  const migrations = options.migrations ?? MIGRATIONS;
  const exists = preflight(file, options);
  let db: Database.Database;
  try {
    db =
      options.readonly && !writable(dirname(file)) && !existsSync(`${file}-wal`)
        ? snapshot(file)
        : new Database(file, { readonly: options.readonly ?? false, fileMustExist: exists, timeout: 5000 });
  } catch (e) {
    throw new CamscopeError(`${file}: cannot open project (${firstLine(e)})`);
  }
  try {
    checkVersion(db, file, migrations.length, options.readonly ?? false);
    if (options.readonly) {
      db.pragma('query_only = ON');
    } else {
      // WAL: readers (gallery views, a read-only second window) never wait for a run's writes.
      // synchronous = NORMAL is durable across process crashes in WAL, which is what resume needs.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON'); // must be set outside a transaction, so before migrating
      migrate(db, file, migrations);
    }
    return db;
  } catch (e) {
    db.close();
    if (e instanceof CamscopeError) throw e;
    throw new CamscopeError(`${file}: cannot open project (${firstLine(e)})`);
  }
}

/**
 * Checks that need no SQLite: the file is there (or may be created) and, when present, looks like a
 * database. Returns whether it exists. Callers run it before taking the lock, so a refused file gets no sidecar.
 */
export function preflight(file: string, options: Pick<OpenDatabaseOptions, 'readonly' | 'create'>): boolean {
  const exists = existsSync(file);
  if (!exists && (options.readonly || !options.create)) throw new CamscopeError(`${file}: no such project file`);
  if (exists) checkHeader(file);
  if (!options.readonly) checkWritable(file, exists);
  return exists;
}

/**
 * SQLite cannot open a WAL file read-only where it may not create the shared-memory file beside it
 * (a read-only folder), so such a project is read from an in-memory copy of its bytes, marked as a
 * rollback-journal database (header bytes 18–19: 2 = WAL → 1) because SQLite deserializes only those.
 */
function snapshot(file: string): Database.Database {
  const bytes = readFileSync(file);
  if (bytes.length >= 20) bytes.fill(1, 18, 20);
  return new Database(bytes);
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** A writer needs the file and its folder (lock, WAL and shared-memory files live beside it). */
function checkWritable(file: string, exists: boolean): void {
  if (exists && !writable(file)) throw new CamscopeError(`${file}: the project file is read-only; open it read-only or make it writable`);
  if (!writable(dirname(file))) {
    throw new CamscopeError(`${file}: its folder is read-only (the lock and journal files live beside the project); open it read-only or move it`);
  }
}

/** An empty file is a project not yet written; anything else must start like an SQLite database. */
function checkHeader(file: string): void {
  const head = Buffer.alloc(SQLITE_HEADER.length);
  let n: number;
  const fd = openSync(file, 'r');
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (n > 0 && !(n === head.length && head.equals(SQLITE_HEADER))) {
    throw new CamscopeError(`${file}: not a camscope project (not an SQLite database)`);
  }
}

/** Reads only the header fields: nothing is written until the file is known to be ours and not too new. */
function checkVersion(db: Database.Database, file: string, latest: number, readonly: boolean): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  const appId = db.pragma('application_id', { simple: true }) as number;
  if (appId !== APPLICATION_ID) {
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'").get() as { n: number };
    if (appId !== 0 || version !== 0 || tables.n > 0) {
      throw new CamscopeError(`${file}: not a camscope project (an SQLite database of another application)`);
    }
  }
  if (version > latest) {
    throw new CamscopeError(`${file}: made by a newer camscope (schema version ${version}; this version reads up to ${latest})`);
  }
  if (readonly && version < latest) {
    throw new CamscopeError(`${file}: schema version ${version} needs upgrading to ${latest}; open it for writing once`);
  }
}

/** Applies migrations[user_version ..] in order, each with its version bump in one transaction. */
export function migrate(db: Database.Database, file: string, migrations: readonly Migration[]): void {
  const from = db.pragma('user_version', { simple: true }) as number;
  for (let v = from; v < migrations.length; v++) {
    const step = migrations[v]!;
    try {
      db.transaction(() => {
        db.exec(step.sql);
        db.pragma(`application_id = ${APPLICATION_ID}`);
        db.pragma(`user_version = ${v + 1}`);
      })();
    } catch (e) {
      throw new CamscopeError(`${file}: cannot upgrade to schema version ${v + 1} (${step.name}): ${firstLine(e)}`);
    }
  }
}

/** Prepared statements by SQL text: bulk writes prepare each statement once per connection. */
export type Prepare = (sql: string) => Database.Statement;

export function statementCache(db: Database.Database): Prepare {
  const cache = new Map<string, Database.Statement>();
  return (sql) => {
    let s = cache.get(sql);
    if (!s) cache.set(sql, (s = db.prepare(sql)));
    return s;
  };
}

/** What the store's modules share: the connection, the file name for messages, the statement cache. */
export interface StoreContext {
  db: Database.Database;
  file: string;
  sql: Prepare;
}
