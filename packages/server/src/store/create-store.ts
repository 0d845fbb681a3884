/**
 * Opens the Store Kiln is configured for: PostgreSQL when the database URL names it, otherwise
 * SQLite in the data directory; migrations run before the store is returned.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { KyselyStore } from './kysely-store.ts';
import { migrateToLatest } from './migrations/migrate.ts';
import { isPostgresUrl, openPostgresKysely, parsePostgresUrl } from './postgres/postgres-kysely.ts';
import { openSqliteKysely } from './sqlite/sqlite-kysely.ts';
import type { Store } from './store.ts';

/** Where the store lives. */
export interface CreateStoreOptions {
  /** `postgres://` or `postgresql://` URL (with optional `?schema=name`); anything else means SQLite. */
  databaseUrl?: string;
  /** Data directory; the SQLite database is `${dataDir}/kiln.db`. */
  dataDir: string;
}

/** The SQLite database file inside a data directory. */
export const SQLITE_FILE_NAME = 'kiln.db';

/** Opens and migrates the configured store. */
export async function createStore(opts: CreateStoreOptions): Promise<Store> {
  return createKyselyStore(opts);
}

/** Opens and migrates the configured store, typed as the kysely implementation (for components sharing its database). */
export async function createKyselyStore(opts: CreateStoreOptions): Promise<KyselyStore> {
  if (opts.databaseUrl && isPostgresUrl(opts.databaseUrl)) {
    const target = parsePostgresUrl(opts.databaseUrl);
    const db = await openPostgresKysely(target);
    return migrated(new KyselyStore(db, 'postgres'), target.schema);
  }
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const db = openSqliteKysely(join(opts.dataDir, SQLITE_FILE_NAME));
  return migrated(new KyselyStore(db, 'sqlite'));
}

/** Runs migrations on a fresh store, closing it when they fail. */
async function migrated(store: KyselyStore, schema?: string): Promise<KyselyStore> {
  try {
    await migrateToLatest(store.db, { schema });
    return store;
  } catch (err) {
    await store.close();
    throw err;
  }
}
