/**
 * Runs Kiln's migrations with kysely's Migrator from a static list (no filesystem scan), so the
 * same set applies to SQLite and PostgreSQL and bundling cannot lose a file.
 */
import type { Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import { initialSchema } from './0001-initial-schema.ts';
import { buildJobExecutor } from './0002-build-job-executor.ts';
import { artifactsAndTags } from './0003-artifacts-and-tags.ts';
import { templateRefs } from './0004-template-refs.ts';

/** Every migration, by name; names sort in the order they apply. Append only. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial-schema': initialSchema,
  '0002-build-job-executor': buildJobExecutor,
  '0003-artifacts-and-tags': artifactsAndTags,
  '0004-template-refs': templateRefs,
};

/** A migration provider that serves {@link MIGRATIONS}. */
export const staticMigrationProvider: MigrationProvider = {
  async getMigrations() {
    return { ...MIGRATIONS };
  },
};

/** Applies every pending migration; throws the first failure. */
export async function migrateToLatest(db: Kysely<any>, opts: { schema?: string } = {}): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: staticMigrationProvider,
    ...(opts.schema ? { migrationTableSchema: opts.schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Database migration ${failed ?? ''} failed: ${reason}`.replace('  ', ' '), { cause: error });
  }
}
