/**
 * Build artifacts and template tags: `artifacts` (the ext4 image and OCI image a build made, its
 * whole-build cache key and retention), `builds.artifact_id`, and `template_tags`, which point
 * each (template, tag) at one build.
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Creates `artifacts` and `template_tags` and adds `builds.artifact_id`. */
export const artifactsAndTags: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.createTable('artifacts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('build_id', 'text', (c) => c.notNull().references('builds.id').onDelete('cascade'))
      .addColumn('cache_key', 'text')
      .addColumn('ext4_path', 'text', (c) => c.notNull())
      .addColumn('ext4_bytes', 'bigint', (c) => c.notNull())
      .addColumn('oci_manifest_digest', 'text', (c) => c.notNull())
      .addColumn('layers', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('retention_expires_at', 'text')
      .execute();
    await db.schema.createIndex('artifacts_cache_key').on('artifacts').columns(['tenant_id', 'cache_key', 'created_at']).execute();
    await db.schema.createIndex('artifacts_retention').on('artifacts').columns(['status', 'retention_expires_at']).execute();

    await db.schema.alterTable('builds').addColumn('artifact_id', 'text').execute();
    await db.schema.createIndex('builds_artifact').on('builds').column('artifact_id').execute();

    await db.schema.createTable('template_tags')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('template_id', 'text', (c) => c.notNull().references('templates.id').onDelete('cascade'))
      .addColumn('tag', 'text', (c) => c.notNull())
      .addColumn('build_id', 'text', (c) => c.notNull().references('builds.id').onDelete('cascade'))
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('template_tags_pk', ['template_id', 'tag'])
      .execute();
    await db.schema.createIndex('template_tags_build').on('template_tags').column('build_id').execute();
  },

  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('template_tags').execute();
    await db.schema.dropIndex('builds_artifact').execute();
    await db.schema.alterTable('builds').dropColumn('artifact_id').execute();
    await db.schema.dropTable('artifacts').execute();
  },
};
