/**
 * Opens kysely on a SQLite file through `node:sqlite`.
 */
import { Kysely } from 'kysely';
import type { KilnDatabase } from '../db-types.ts';
import { NodeSqliteDialect, openNodeSqlite } from './node-sqlite-dialect.ts';

/** Opens kysely on the SQLite database at `path` (WAL, busy timeout, foreign keys on). */
export function openSqliteKysely(path: string): Kysely<KilnDatabase> {
  return new Kysely<KilnDatabase>({ dialect: new NodeSqliteDialect(openNodeSqlite({ path })) });
}
