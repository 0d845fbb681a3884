/**
 * A kysely dialect over Node's built-in `node:sqlite`: kysely's own SQLite dialect, given a small
 * adapter that makes a `DatabaseSync` look like the better-sqlite3 database it expects, and a
 * driver that opens transactions with `BEGIN IMMEDIATE` so a read-then-write transaction never
 * fails to upgrade its lock when another process writes to the same file.
 *
 * One `DatabaseSync` is one connection, and it blocks the thread while it waits for a lock, so a
 * process should open the database once and share it: a second connection in the same process
 * would wait on the first's open transaction until the busy timeout fails it.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import {
  CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver,
  type DatabaseConnection, type DialectAdapter, type Driver, type SqliteDatabase, type SqliteStatement,
} from 'kysely';

/** How a `node:sqlite` database is opened. */
export interface NodeSqliteOptions {
  /** File path, or `:memory:`. */
  path: string;
  /** How long a statement waits for another connection's lock before failing, in milliseconds. */
  busyTimeoutMs?: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** Opens a `node:sqlite` database with WAL journaling, a busy timeout, foreign keys and `synchronous=NORMAL`. */
export function openNodeSqlite(opts: NodeSqliteOptions): DatabaseSync {
  const db = new DatabaseSync(opts.path);
  const busy = Math.max(0, Math.trunc(opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS));
  db.exec(`PRAGMA busy_timeout = ${busy}`);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec('PRAGMA synchronous = NORMAL');
  return db;
}

/** Converts a kysely parameter to a value `node:sqlite` binds (booleans become 0/1). */
function toSqlInput(value: unknown): SQLInputValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  return value as SQLInputValue;
}

/** Copies a row (which `node:sqlite` gives a null prototype) into a plain object, as `pg` returns. */
function plainRow(row: unknown): unknown {
  return { ...(row as object) };
}

/** Yields a statement's rows as plain objects. */
function* plainRows(rows: Iterable<unknown>): IterableIterator<unknown> {
  for (const row of rows) yield plainRow(row);
}

/**
 * Wraps a `node:sqlite` statement in the better-sqlite3 shape kysely's SQLite driver calls.
 * `all` and `run` reuse the compiled statement; `iterate` prepares its own, since a statement
 * runs one iteration at a time.
 */
function adaptStatement(db: DatabaseSync, sql: string, stmt: StatementSync): SqliteStatement {
  const bind = (params: ReadonlyArray<unknown>) => params.map(toSqlInput);
  return {
    reader: stmt.columns().length > 0,
    all: (params) => stmt.all(...bind(params)).map(plainRow),
    run: (params) => {
      const r = stmt.run(...bind(params));
      return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
    },
    iterate: (params) => plainRows(db.prepare(sql).iterate(...bind(params))),
  };
}

/** How many compiled statements a connection keeps (Kiln's queries are few; most are reused on every request). */
const STATEMENT_CACHE_SIZE = 256;

/** Wraps a `node:sqlite` database in the better-sqlite3 shape kysely's SQLite dialect takes, caching compiled statements. */
export function adaptNodeSqlite(db: DatabaseSync): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => {
      cache.clear();
      if (db.isOpen) db.close();
    },
    prepare: (sql) => {
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = adaptStatement(db, sql, db.prepare(sql));
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}

/** kysely's SQLite driver, except that transactions begin with `BEGIN IMMEDIATE` (take the write lock at once). */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * kysely's SQLite adapter, except that it reports transactional DDL (which SQLite has), so the
 * migrator applies each run in one `BEGIN IMMEDIATE` transaction: atomic, and serialised between
 * processes that open the same file at once.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** A kysely dialect over a `node:sqlite` `DatabaseSync`; one connection, transactions serialised by kysely. */
export class NodeSqliteDialect extends SqliteDialect {
  readonly #database: SqliteDatabase;

  /** Wraps an open database; `Kysely.destroy()` closes it. */
  constructor(database: DatabaseSync) {
    const adapted = adaptNodeSqlite(database);
    super({ database: adapted });
    this.#database = adapted;
  }

  /** Creates the driver kysely runs queries through. */
  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.#database });
  }

  /** Creates the adapter that tells kysely what SQLite supports. */
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
