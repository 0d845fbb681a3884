/**
 * Each queued job names the executor that can run it (`image_import`, `native`, `buildkit`),
 * so a worker leases only jobs it has an executor for.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Adds `build_jobs.executor` and fills it for jobs queued before it existed. */
export const buildJobExecutor: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('build_jobs').addColumn('executor', 'text', (c) => c.notNull().defaultTo('')).execute();
    await sql`update build_jobs set executor = case
        when (select source_type from builds where builds.id = build_jobs.build_id) = 'dockerfile' then 'buildkit'
        when (select source_type from builds where builds.id = build_jobs.build_id) = 'oci_import' then 'image_import'
        else 'native' end`.execute(db);
    await db.schema.createIndex('build_jobs_executor').on('build_jobs').columns(['executor', 'enqueued_at']).execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropIndex('build_jobs_executor').execute();
    await db.schema.alterTable('build_jobs').dropColumn('executor').execute();
  },
};
