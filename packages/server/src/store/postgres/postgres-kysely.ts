/**
 * Opens kysely on PostgreSQL through a `pg` Pool, optionally inside one schema (`?schema=name` on
 * the URL), which is created when missing and put first on every connection's search_path.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { KilnError } from '../../errors/errors.ts';
import type { KilnDatabase } from '../db-types.ts';

/** Whether a database URL names PostgreSQL. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** A PostgreSQL URL split into what `pg` connects to and the schema Kiln keeps its tables in. */
export interface PostgresTarget {
  /** The URL without Kiln's own `schema` parameter. */
  connectionString: string;
  /** Schema for Kiln's tables, when one was given. */
  schema?: string;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Splits the `schema` parameter off a PostgreSQL URL; throws when it is not a plain identifier. */
export function parsePostgresUrl(url: string): PostgresTarget {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new KilnError('invalid_request', `The database URL's schema ${JSON.stringify(schema)} is not a plain identifier (letters, digits, underscores).`);
  }
  return { connectionString: parsed.toString(), schema };
}

/** Options of a PostgreSQL connection pool. */
export interface PostgresKyselyOptions {
  /** Most connections the pool opens. */
  maxConnections?: number;
}

/** Opens kysely over a `pg` Pool for the target, creating its schema when missing. */
export async function openPostgresKysely(target: PostgresTarget, opts: PostgresKyselyOptions = {}): Promise<Kysely<KilnDatabase>> {
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max: opts.maxConnections ?? 10,
    ...(target.schema ? { options: `-c search_path=${target.schema}` } : {}),
  });
  const db = new Kysely<KilnDatabase>({ dialect: new PostgresDialect({ pool }) });
  if (target.schema) {
    try {
      await sql`create schema if not exists ${sql.id(target.schema)}`.execute(db);
    } catch (err) {
      if (!createdConcurrently(err)) {
        await db.destroy();
        throw err;
      }
    }
  }
  return db;
}

/** Whether a `create schema if not exists` failed only because another connection created it at the same moment. */
function createdConcurrently(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === '42P06';
}
