/**
 * The Store's queries for template refs and versioning: listing, public lookups, renames and
 * deletes of templates, aliases, name reservations and the templates builds start from. Each
 * takes the kysely instance (or transaction) of the calling KyselyStore.
 */
import { sql, type Kysely } from 'kysely';
import { KilnError } from '../errors/errors.ts';
import { decodeBuildCursor, encodeBuildCursor } from './build-cursor.ts';
import type { KilnDatabase } from './db-types.ts';
import { templateFromRow, toNumber } from './row-mappers.ts';
import { isUniqueViolation, lockTemplateTags, type SqlDialectKind } from './sql-dialect-kind.ts';
import type {
  BuildStatus, NameReservationRecord, TemplateAliasRecord, TemplateDependent, TemplatePage, TemplateListQuery, TemplatePatch,
  TemplateRecord, TemplateTagRecord,
} from './store.ts';

type Db = Kysely<KilnDatabase>;

/** A page of the tenant's live templates, newest first, keyset-paged on (created_at, id). */
export async function listTemplates(db: Db, q: TemplateListQuery): Promise<TemplatePage> {
  const limit = Math.min(100, Math.max(1, Math.trunc(q.limit)));
  let query = db.selectFrom('templates').selectAll().where('tenant_id', '=', q.tenant_id).where('deleted_at', 'is', null);
  if (q.name_prefix) query = query.where(sql<string>`substr(name, 1, ${q.name_prefix.length})`, '=', q.name_prefix);
  if (q.cursor) {
    let after;
    try {
      after = decodeBuildCursor(q.cursor);
    } catch {
      throw new KilnError('invalid_request', 'cursor is not a cursor returned by a previous page; omit it to start from the newest template.', { phase: 'request' });
    }
    query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.created_at, after.id)));
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    templates: page.map(templateFromRow),
    next_cursor: rows.length > limit && last ? encodeBuildCursor({ created_at: last.created_at, id: last.id }) : null,
  };
}

/** Live public templates of every tenant with this id or name, oldest first. */
export async function findPublicTemplates(db: Db, q: { id?: string; name?: string }): Promise<TemplateRecord[]> {
  if (q.id === undefined && q.name === undefined) return [];
  let query = db.selectFrom('templates').selectAll().where('visibility', '=', 'public').where('deleted_at', 'is', null);
  if (q.id !== undefined) query = query.where('id', '=', q.id);
  if (q.name !== undefined) query = query.where('name', '=', q.name);
  const rows = await query.orderBy('created_at').orderBy('id').execute();
  return rows.map(templateFromRow);
}

/** Applies a patch to a live template; a taken name is a KilnError `conflict`. */
export async function updateTemplate(db: Db, tenantId: string, id: string, patch: TemplatePatch): Promise<TemplateRecord | undefined> {
  const changes: Record<string, string | null> = { updated_at: patch.updated_at };
  if (patch.name !== undefined) changes.name = patch.name;
  if (patch.description !== undefined) changes.description = patch.description;
  if (patch.visibility !== undefined) changes.visibility = patch.visibility;
  try {
    const row = await db.updateTable('templates').set(changes)
      .where('tenant_id', '=', tenantId).where('id', '=', id).where('deleted_at', 'is', null)
      .returningAll().executeTakeFirst();
    return row && templateFromRow(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw new KilnError('conflict', `A template named ${JSON.stringify(patch.name)} already exists.`);
    throw err;
  }
}

/** Marks a live template deleted (freeing its name) and removes its tags and aliases; run inside a transaction. */
export async function deleteTemplate(db: Db, kind: SqlDialectKind, tenantId: string, id: string, now: string): Promise<boolean> {
  await lockTemplateTags(db, kind, id);
  // A name no valid template name can equal (":" is not allowed in names), unique by the id.
  const res = await db.updateTable('templates').set({ deleted_at: now, updated_at: now, name: `deleted:${id}` })
    .where('tenant_id', '=', tenantId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  if (toNumber(res.numUpdatedRows) === 0) return false;
  await db.deleteFrom('template_tags').where('template_id', '=', id).execute();
  await db.deleteFrom('template_aliases').where('template_id', '=', id).execute();
  return true;
}

/** Removes one tag of a template under the template's tag lock; run inside a transaction. */
export async function deleteTemplateTag(db: Db, kind: SqlDialectKind, tenantId: string, templateId: string, tag: string): Promise<TemplateTagRecord | undefined> {
  await lockTemplateTags(db, kind, templateId);
  return db.deleteFrom('template_tags')
    .where('tenant_id', '=', tenantId).where('template_id', '=', templateId).where('tag', '=', tag)
    .returningAll().executeTakeFirst();
}

/** Inserts an alias; a taken alias is a KilnError `conflict`. */
export async function insertTemplateAlias(db: Db, rec: TemplateAliasRecord): Promise<void> {
  const res = await db.insertInto('template_aliases').values({ ...rec })
    .onConflict((oc) => oc.doNothing()).executeTakeFirst();
  if (toNumber(res.numInsertedOrUpdatedRows ?? 0n) === 0) {
    throw new KilnError('conflict', `The alias ${JSON.stringify(rec.alias)} is taken.`);
  }
}

/** The live template that has this alias. */
export async function findTemplateByAlias(db: Db, tenantId: string, alias: string): Promise<TemplateRecord | undefined> {
  const row = await db.selectFrom('template_aliases').innerJoin('templates', 'templates.id', 'template_aliases.template_id')
    .selectAll('templates')
    .where('template_aliases.tenant_id', '=', tenantId).where('template_aliases.alias', '=', alias)
    .where('templates.tenant_id', '=', tenantId).where('templates.deleted_at', 'is', null)
    .executeTakeFirst();
  return row && templateFromRow(row);
}

/** A template's aliases, by alias. */
export async function listTemplateAliases(db: Db, tenantId: string, templateId: string): Promise<TemplateAliasRecord[]> {
  return db.selectFrom('template_aliases').selectAll()
    .where('tenant_id', '=', tenantId).where('template_id', '=', templateId).orderBy('alias').execute();
}

/** Removes an alias of a template; false when it had none such. */
export async function deleteTemplateAlias(db: Db, tenantId: string, templateId: string, alias: string): Promise<boolean> {
  const res = await db.deleteFrom('template_aliases')
    .where('tenant_id', '=', tenantId).where('template_id', '=', templateId).where('alias', '=', alias).executeTakeFirst();
  return toNumber(res.numDeletedRows) > 0;
}

/** Stores a reservation unless an unexpired one holds the name; run inside a transaction. */
export async function putNameReservation(db: Db, rec: NameReservationRecord, now: string): Promise<boolean> {
  const current = await getNameReservation(db, rec.tenant_id, rec.name);
  if (current && current.expires_at > now) return false;
  await db.insertInto('template_name_reservations').values({ ...rec })
    .onConflict((oc) => oc.columns(['tenant_id', 'name']).doUpdateSet({ token_hash: rec.token_hash, created_at: rec.created_at, expires_at: rec.expires_at }))
    .execute();
  return true;
}

/** The tenant's reservation of a name, expired or not. */
export async function getNameReservation(db: Db, tenantId: string, name: string): Promise<NameReservationRecord | undefined> {
  return db.selectFrom('template_name_reservations').selectAll()
    .where('tenant_id', '=', tenantId).where('name', '=', name).executeTakeFirst();
}

/** Removes the tenant's reservation of a name. */
export async function deleteNameReservation(db: Db, tenantId: string, name: string): Promise<void> {
  await db.deleteFrom('template_name_reservations').where('tenant_id', '=', tenantId).where('name', '=', name).execute();
}

/** Records the templates a build starts from. */
export async function addBuildTemplateBases(db: Db, buildId: string, templateIds: string[]): Promise<void> {
  const ids = [...new Set(templateIds)];
  if (ids.length === 0) return;
  await db.insertInto('build_template_bases').values(ids.map((template_id) => ({ build_id: buildId, template_id })))
    .onConflict((oc) => oc.doNothing()).execute();
}

/** Builds of other live templates that start from this one and still need it, newest first. */
export async function listTemplateDependents(db: Db, templateId: string, limit: number): Promise<TemplateDependent[]> {
  if (limit <= 0) return [];
  const rows = await db.selectFrom('build_template_bases')
    .innerJoin('builds', 'builds.id', 'build_template_bases.build_id')
    .innerJoin('templates', 'templates.id', 'builds.template_id')
    .leftJoin('artifacts', 'artifacts.id', 'builds.artifact_id')
    .select(['builds.tenant_id as tenant_id', 'builds.template_id as template_id', 'templates.name as template_name', 'builds.id as build_id', 'builds.status as status'])
    .where('build_template_bases.template_id', '=', templateId)
    .where('builds.template_id', '!=', templateId)
    .where('templates.deleted_at', 'is', null)
    .where((eb) => eb.or([
      eb('builds.status', 'in', ['waiting', 'building']),
      eb.and([eb('builds.status', '=', 'ready'), eb('artifacts.status', '=', 'available')]),
    ]))
    .orderBy('builds.created_at', 'desc').orderBy('builds.id', 'desc').limit(Math.trunc(limit)).execute();
  return rows.map((r) => ({ ...r, status: r.status as BuildStatus }));
}
