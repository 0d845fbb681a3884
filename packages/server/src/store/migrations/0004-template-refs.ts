/**
 * Template refs and versioning: `templates.deleted_at` (a deleted template's builds stay, so
 * their artifacts follow retention), `template_aliases` (more names of a template),
 * `template_name_reservations` (a reserved name with the SHA-256 of its claim token, never the
 * token, and an expiry) and `build_template_bases` (which templates a build starts from).
 */
import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Creates the alias, reservation and build-base tables and adds `templates.deleted_at`. */
export const templateRefs: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema.alterTable('templates').addColumn('deleted_at', 'text').execute();
    await db.schema.createIndex('templates_listing').on('templates').columns(['tenant_id', 'created_at', 'id']).execute();
    await db.schema.createIndex('templates_public_name').on('templates').columns(['visibility', 'name']).execute();

    await db.schema.createTable('template_aliases')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('alias', 'text', (c) => c.notNull())
      .addColumn('template_id', 'text', (c) => c.notNull().references('templates.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('template_aliases_pk', ['tenant_id', 'alias'])
      .execute();
    await db.schema.createIndex('template_aliases_template').on('template_aliases').column('template_id').execute();

    await db.schema.createTable('template_name_reservations')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('template_name_reservations_pk', ['tenant_id', 'name'])
      .execute();

    await db.schema.createTable('build_template_bases')
      .addColumn('build_id', 'text', (c) => c.notNull().references('builds.id').onDelete('cascade'))
      .addColumn('template_id', 'text', (c) => c.notNull().references('templates.id').onDelete('cascade'))
      .addPrimaryKeyConstraint('build_template_bases_pk', ['build_id', 'template_id'])
      .execute();
    await db.schema.createIndex('build_template_bases_template').on('build_template_bases').column('template_id').execute();
  },

  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('build_template_bases').execute();
    await db.schema.dropTable('template_name_reservations').execute();
    await db.schema.dropTable('template_aliases').execute();
    await db.schema.dropIndex('templates_public_name').execute();
    await db.schema.dropIndex('templates_listing').execute();
    await db.schema.alterTable('templates').dropColumn('deleted_at').execute();
  },
};
