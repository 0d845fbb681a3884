/**
 * The few places where SQLite and PostgreSQL need different SQL, isolated from the store's queries.
 */
import { sql, type Kysely } from 'kysely';

/** Which database a store runs on. */
export type SqlDialectKind = 'sqlite' | 'postgres';

/**
 * Serialises log appends for one build until the surrounding transaction ends. PostgreSQL takes a
 * transaction-scoped advisory lock keyed by the build id (so it works before the build row is
 * visible and does not block status updates); SQLite transactions already hold the write lock.
 */
export async function lockBuildLogs(db: Kysely<any>, kind: SqlDialectKind, buildId: string): Promise<void> {
  if (kind === 'postgres') {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`kiln.build_logs:${buildId}`}, 0))`.execute(db);
  }
}

/**
 * Serialises tag moves of one template until the surrounding transaction ends (PostgreSQL: a
 * transaction-scoped advisory lock keyed by the template id; SQLite transactions already hold the write lock).
 */
export async function lockTemplateTags(db: Kysely<any>, kind: SqlDialectKind, templateId: string): Promise<void> {
  if (kind === 'postgres') {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`kiln.template_tags:${templateId}`}, 0))`.execute(db);
  }
}

/**
 * Serialises changes to a tenant's template names, aliases and name reservations until the
 * surrounding transaction ends (PostgreSQL: an advisory lock keyed by the tenant; SQLite
 * transactions already hold the write lock).
 */
export async function lockTemplateNamesOf(db: Kysely<any>, kind: SqlDialectKind, tenantId: string): Promise<void> {
  if (kind === 'postgres') {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`kiln.template_names:${tenantId}`}, 0))`.execute(db);
  }
}

/** Whether a database error is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e?.code === '23505' || (typeof e?.message === 'string' && e.message.includes('UNIQUE constraint failed'));
}
