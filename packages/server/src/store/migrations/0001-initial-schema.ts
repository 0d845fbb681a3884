/**
 * The first schema: tenants, API keys, templates, builds and their logs, context manifests and
 * the build queue. Portable types only: text ids and ISO-8601 timestamps, JSON as text,
 * booleans as integers, so SQLite and PostgreSQL share it.
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Creates Kiln's first tables and indexes. */
export const initialSchema: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createTable('tenants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema.createTable('api_keys')
      .addColumn('key_hash', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('api_keys_tenant').on('api_keys').column('tenant_id').execute();

    await db.schema.createTable('templates')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('visibility', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('templates_tenant_name', ['tenant_id', 'name'])
      .execute();

    await db.schema.createTable('builds')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('template_id', 'text', (c) => c.notNull().references('templates.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('build_backend', 'text', (c) => c.notNull())
      .addColumn('source_type', 'text', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('plan', 'text', (c) => c.notNull())
      .addColumn('source_digest', 'text', (c) => c.notNull())
      .addColumn('context_digest', 'text')
      .addColumn('dockerfile_digest', 'text')
      .addColumn('build_config', 'text', (c) => c.notNull())
      .addColumn('runtime_defaults', 'text', (c) => c.notNull())
      .addColumn('oci_metadata', 'text', (c) => c.notNull())
      .addColumn('requires_base_image_auth', 'integer', (c) => c.notNull())
      .addColumn('triggered_by', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('queued_at', 'text')
      .addColumn('started_at', 'text')
      .addColumn('finished_at', 'text')
      .addColumn('failure_phase', 'text')
      .addColumn('error_detail', 'text')
      .addColumn('cancel_reason', 'text')
      .addColumn('cache_summary', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('builds_history')
      .on('builds').columns(['tenant_id', 'template_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('builds_status').on('builds').columns(['status', 'created_at']).execute();
    await db.schema.createIndex('builds_source_digest').on('builds').columns(['tenant_id', 'source_digest']).execute();

    await db.schema.createTable('build_logs')
      .addColumn('build_id', 'text', (c) => c.notNull().references('builds.id').onDelete('cascade'))
      .addColumn('offset', 'integer', (c) => c.notNull())
      .addColumn('entry', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('build_logs_pk', ['build_id', 'offset'])
      .execute();

    await db.schema.createTable('context_manifests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('digest', 'text', (c) => c.notNull())
      .addColumn('file_count', 'integer', (c) => c.notNull())
      .addColumn('total_bytes', 'bigint', (c) => c.notNull())
      .addColumn('files', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('context_manifests_digest')
      .on('context_manifests').columns(['tenant_id', 'digest']).execute();

    await db.schema.createTable('build_jobs')
      .addColumn('build_id', 'text', (c) => c.primaryKey().references('builds.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('enqueued_at', 'text', (c) => c.notNull())
      .addColumn('leased_by', 'text')
      .addColumn('lease_expires_at', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('build_jobs_order').on('build_jobs').columns(['enqueued_at', 'build_id']).execute();
    await db.schema.createIndex('build_jobs_lease').on('build_jobs').column('lease_expires_at').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['build_jobs', 'context_manifests', 'build_logs', 'builds', 'templates', 'api_keys', 'tenants']) {
      await db.schema.dropTable(table).execute();
    }
  },
};
