/**
 * The Store on kysely: one class for SQLite and PostgreSQL, the dialect differences kept in
 * `sql-dialect-kind.ts`. Every tenant-owned read filters by tenant id, so a foreign id reads as absent.
 */
import type { Kysely } from 'kysely';
import { KilnError } from '../errors/errors.ts';
import { decodeBuildCursor, encodeBuildCursor } from './build-cursor.ts';
import type { KilnDatabase } from './db-types.ts';
import {
  artifactFromRow, artifactToRow, buildFromRow, buildJobFromRow, buildPatchToRow, buildToRow, contextManifestFromRow,
  contextManifestToRow, fromJson, templateFromRow, toJson, toNumber,
} from './row-mappers.ts';
import { lockBuildLogs, lockTemplateNamesOf, lockTemplateTags, type SqlDialectKind } from './sql-dialect-kind.ts';
import * as refs from './template-ref-queries.ts';
import type {
  ApiKeyRecord, ArtifactPatch, ArtifactRecord, ArtifactStatus, BuildJobRecord, BuildListQuery, BuildPage, BuildPatch, BuildRecord, BuildStatus,
  ContextManifestRecord, LogEntryRecord, NameReservationRecord, Store, TemplateAliasRecord, TemplateDependent, TemplateListQuery,
  TemplatePage, TemplatePatch, TemplateRecord, TemplateTagRecord,
} from './store.ts';

/** A {@link Store} over a kysely instance or transaction. */
export class KyselyStore implements Store {
  readonly #db: Kysely<KilnDatabase>;
  readonly #kind: SqlDialectKind;

  /** Wraps an open kysely instance (or, inside `transaction`, a kysely transaction). */
  constructor(db: Kysely<KilnDatabase>, kind: SqlDialectKind) {
    this.#db = db;
    this.#kind = kind;
  }

  /** The kysely instance this store queries, for components that share the database. */
  get db(): Kysely<KilnDatabase> {
    return this.#db;
  }

  /** Which database this store runs on. */
  get kind(): SqlDialectKind {
    return this.#kind;
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.#db.isTransaction) return fn(this);
    return this.#db.transaction().execute((trx) => fn(new KyselyStore(trx, this.#kind)));
  }

  async ensureTenant(id: string, now: string): Promise<void> {
    await this.#db.insertInto('tenants').values({ id, created_at: now })
      .onConflict((oc) => oc.column('id').doNothing()).execute();
  }

  async putApiKey(rec: ApiKeyRecord): Promise<void> {
    const res = await this.#db.insertInto('api_keys')
      .values({ key_hash: rec.key_hash, tenant_id: rec.tenant_id, created_at: rec.created_at })
      .onConflict((oc) => oc.column('key_hash').doNothing()).executeTakeFirst();
    if (toNumber(res.numInsertedOrUpdatedRows ?? 0n) > 0) return;
    const existing = await this.findApiKey(rec.key_hash);
    if (existing && existing.tenant_id !== rec.tenant_id) {
      throw new KilnError('conflict', 'This API key is already registered to another tenant.');
    }
  }

  async findApiKey(keyHash: string): Promise<ApiKeyRecord | undefined> {
    return this.#db.selectFrom('api_keys').select(['key_hash', 'tenant_id', 'created_at'])
      .where('key_hash', '=', keyHash).executeTakeFirst();
  }

  async countApiKeys(): Promise<number> {
    const row = await this.#db.selectFrom('api_keys').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return toNumber(row.n);
  }

  async insertTemplate(rec: TemplateRecord): Promise<void> {
    const res = await this.#db.insertInto('templates').values({
      id: rec.id, tenant_id: rec.tenant_id, name: rec.name, description: rec.description,
      visibility: rec.visibility, created_at: rec.created_at, updated_at: rec.updated_at,
    }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
    if (toNumber(res.numInsertedOrUpdatedRows ?? 0n) === 0) {
      throw new KilnError('conflict', `A template named ${JSON.stringify(rec.name)} (or with id ${JSON.stringify(rec.id)}) already exists.`);
    }
  }

  async getTemplate(tenantId: string, id: string): Promise<TemplateRecord | undefined> {
    const row = await this.#db.selectFrom('templates').selectAll()
      .where('tenant_id', '=', tenantId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    return row && templateFromRow(row);
  }

  async findTemplateByName(tenantId: string, name: string): Promise<TemplateRecord | undefined> {
    const row = await this.#db.selectFrom('templates').selectAll()
      .where('tenant_id', '=', tenantId).where('name', '=', name).where('deleted_at', 'is', null).executeTakeFirst();
    return row && templateFromRow(row);
  }

  async findTemplatesByNames(tenantId: string, names: string[]): Promise<TemplateRecord[]> {
    if (names.length === 0) return [];
    const rows = await this.#db.selectFrom('templates').selectAll()
      .where('tenant_id', '=', tenantId).where('name', 'in', [...new Set(names)]).where('deleted_at', 'is', null).execute();
    return rows.map(templateFromRow);
  }

  async touchTemplate(tenantId: string, id: string, now: string): Promise<void> {
    await this.#db.updateTable('templates').set({ updated_at: now })
      .where('tenant_id', '=', tenantId).where('id', '=', id).execute();
  }

  async insertBuild(rec: BuildRecord): Promise<void> {
    await this.#db.insertInto('builds').values(buildToRow(rec)).execute();
  }

  async getBuild(tenantId: string, id: string): Promise<BuildRecord | undefined> {
    const row = await this.#db.selectFrom('builds').selectAll()
      .where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && buildFromRow(row);
  }

  async updateBuild(tenantId: string, id: string, patch: BuildPatch, ifStatus?: BuildStatus[]): Promise<BuildRecord | undefined> {
    if (ifStatus && ifStatus.length === 0) return undefined;
    const changes = buildPatchToRow(patch);
    if (Object.keys(changes).length === 0) {
      const current = await this.getBuild(tenantId, id);
      return current && (!ifStatus || ifStatus.includes(current.status)) ? current : undefined;
    }
    let query = this.#db.updateTable('builds').set(changes)
      .where('tenant_id', '=', tenantId).where('id', '=', id);
    if (ifStatus) query = query.where('status', 'in', ifStatus);
    const row = await query.returningAll().executeTakeFirst();
    return row && buildFromRow(row);
  }

  async listBuilds(q: BuildListQuery): Promise<BuildPage> {
    const limit = Math.min(100, Math.max(1, Math.trunc(q.limit)));
    let query = this.#db.selectFrom('builds').selectAll()
      .where('tenant_id', '=', q.tenant_id).where('template_id', '=', q.template_id);
    if (q.status) query = query.where('status', '=', q.status);
    if (q.backend) query = query.where('build_backend', '=', q.backend);
    if (q.cursor) {
      const after = decodeBuildCursor(q.cursor);
      query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.created_at, after.id)));
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      builds: page.map(buildFromRow),
      next_cursor: rows.length > limit && last ? encodeBuildCursor({ created_at: last.created_at, id: last.id }) : null,
    };
  }

  async appendLog(buildId: string, entry: Omit<Record<string, unknown>, 'offset'>): Promise<LogEntryRecord> {
    return this.#inTransaction(async (db) => {
      await lockBuildLogs(db, this.#kind, buildId);
      const row = await db.selectFrom('build_logs').select((eb) => eb.fn.max('offset').as('last'))
        .where('build_id', '=', buildId).executeTakeFirst();
      const last = row?.last;
      const offset = last === null || last === undefined ? 0 : toNumber(last) + 1;
      const { offset: _given, ...rest } = entry as Record<string, unknown>;
      const stored = { offset, ...rest };
      await db.insertInto('build_logs').values({ build_id: buildId, offset, entry: toJson(stored) }).execute();
      return { build_id: buildId, offset, entry: stored };
    });
  }

  async lastLog(buildId: string): Promise<LogEntryRecord | undefined> {
    const row = await this.#db.selectFrom('build_logs').selectAll()
      .where('build_id', '=', buildId).orderBy('offset', 'desc').limit(1).executeTakeFirst();
    return row && { build_id: row.build_id, offset: toNumber(row.offset), entry: fromJson(row.entry) };
  }

  async listLogs(buildId: string, fromOffset: number, limit: number): Promise<LogEntryRecord[]> {
    if (limit <= 0) return [];
    const rows = await this.#db.selectFrom('build_logs').selectAll()
      .where('build_id', '=', buildId).where('offset', '>=', Math.max(0, Math.trunc(fromOffset)))
      .orderBy('offset', 'asc').limit(Math.trunc(limit)).execute();
    return rows.map((r) => ({ build_id: r.build_id, offset: toNumber(r.offset), entry: fromJson(r.entry) }));
  }

  async insertContextManifest(rec: ContextManifestRecord): Promise<void> {
    await this.#db.insertInto('context_manifests').values(contextManifestToRow(rec)).execute();
  }

  async getContextManifest(tenantId: string, id: string): Promise<ContextManifestRecord | undefined> {
    const row = await this.#db.selectFrom('context_manifests').selectAll()
      .where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && contextManifestFromRow(row);
  }

  async findContextManifestByDigest(tenantId: string, digest: string): Promise<ContextManifestRecord | undefined> {
    const row = await this.#db.selectFrom('context_manifests').selectAll()
      .where('tenant_id', '=', tenantId).where('digest', '=', digest)
      .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row && contextManifestFromRow(row);
  }

  async enqueueJob(rec: BuildJobRecord): Promise<void> {
    await this.#db.insertInto('build_jobs').values({
      build_id: rec.build_id, tenant_id: rec.tenant_id, enqueued_at: rec.enqueued_at,
      leased_by: rec.leased_by, lease_expires_at: rec.lease_expires_at, attempts: rec.attempts, executor: rec.executor,
    }).execute();
  }

  async removeJob(buildId: string): Promise<boolean> {
    const res = await this.#db.deleteFrom('build_jobs').where('build_id', '=', buildId).executeTakeFirst();
    return toNumber(res.numDeletedRows) > 0;
  }

  async getJob(buildId: string): Promise<BuildJobRecord | undefined> {
    const row = await this.#db.selectFrom('build_jobs').selectAll().where('build_id', '=', buildId).executeTakeFirst();
    return row && buildJobFromRow(row);
  }

  async leaseJob(opts: { workerId: string; now: string; leaseExpiresAt: string; executors: string[] }): Promise<BuildJobRecord | undefined> {
    if (opts.executors.length === 0) return undefined;
    return this.transaction(async (tx) => {
      const db = (tx as KyselyStore).#db;
      let candidate = db.selectFrom('build_jobs').select('build_id')
        .where((eb) => eb.or([eb('leased_by', 'is', null), eb('lease_expires_at', '<', opts.now)]))
        .where('executor', 'in', opts.executors)
        .orderBy('enqueued_at').orderBy('build_id').limit(1);
      if (this.#kind === 'postgres') candidate = candidate.forUpdate().skipLocked();
      const row = await candidate.executeTakeFirst();
      if (!row) return undefined;
      const leased = await db.updateTable('build_jobs')
        .set((eb) => ({ leased_by: opts.workerId, lease_expires_at: opts.leaseExpiresAt, attempts: eb('attempts', '+', 1) }))
        .where('build_id', '=', row.build_id)
        .returningAll().executeTakeFirst();
      return leased && buildJobFromRow(leased);
    });
  }

  async renewLease(buildId: string, workerId: string, leaseExpiresAt: string): Promise<boolean> {
    const res = await this.#db.updateTable('build_jobs').set({ lease_expires_at: leaseExpiresAt })
      .where('build_id', '=', buildId).where('leased_by', '=', workerId).executeTakeFirst();
    return toNumber(res.numUpdatedRows) > 0;
  }

  async insertArtifact(rec: ArtifactRecord): Promise<void> {
    await this.#db.insertInto('artifacts').values(artifactToRow(rec)).execute();
  }

  async getArtifact(tenantId: string, id: string): Promise<ArtifactRecord | undefined> {
    const row = await this.#db.selectFrom('artifacts').selectAll()
      .where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && artifactFromRow(row);
  }

  async getArtifacts(tenantId: string, ids: string[]): Promise<ArtifactRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.#db.selectFrom('artifacts').selectAll()
      .where('tenant_id', '=', tenantId).where('id', 'in', [...new Set(ids)]).execute();
    return rows.map(artifactFromRow);
  }

  async findReusableArtifact(tenantId: string, cacheKey: string): Promise<ArtifactRecord | undefined> {
    const row = await this.#db.selectFrom('artifacts').innerJoin('builds', 'builds.id', 'artifacts.build_id')
      .selectAll('artifacts')
      .where('artifacts.tenant_id', '=', tenantId).where('artifacts.cache_key', '=', cacheKey)
      .where('artifacts.status', '=', 'available').where('builds.status', '=', 'ready')
      .orderBy('artifacts.created_at', 'desc').orderBy('artifacts.id', 'desc').limit(1).executeTakeFirst();
    return row && artifactFromRow(row);
  }

  async updateArtifact(tenantId: string, id: string, patch: ArtifactPatch, ifStatus?: ArtifactStatus[]): Promise<ArtifactRecord | undefined> {
    if (ifStatus && ifStatus.length === 0) return undefined;
    const changes: Record<string, unknown> = {};
    if (patch.status !== undefined) changes.status = patch.status;
    if (patch.retention_expires_at !== undefined) changes.retention_expires_at = patch.retention_expires_at;
    if (Object.keys(changes).length === 0) {
      const current = await this.getArtifact(tenantId, id);
      return current && (!ifStatus || ifStatus.includes(current.status)) ? current : undefined;
    }
    let query = this.#db.updateTable('artifacts').set(changes).where('tenant_id', '=', tenantId).where('id', '=', id);
    if (ifStatus) query = query.where('status', 'in', ifStatus);
    const row = await query.returningAll().executeTakeFirst();
    return row && artifactFromRow(row);
  }

  async listExpiredArtifacts(now: string, limit: number): Promise<ArtifactRecord[]> {
    if (limit <= 0) return [];
    const rows = await this.#db.selectFrom('artifacts').selectAll()
      .where('status', '=', 'available').where('retention_expires_at', 'is not', null).where('retention_expires_at', '<', now)
      .orderBy('retention_expires_at').orderBy('id').limit(Math.trunc(limit)).execute();
    return rows.map(artifactFromRow);
  }

  async isArtifactTagged(tenantId: string, artifactId: string): Promise<boolean> {
    const row = await this.#db.selectFrom('template_tags').innerJoin('builds', 'builds.id', 'template_tags.build_id')
      .select('template_tags.tag')
      .where('template_tags.tenant_id', '=', tenantId).where('builds.artifact_id', '=', artifactId)
      .limit(1).executeTakeFirst();
    return row !== undefined;
  }

  async listBuildIdsByArtifact(tenantId: string, artifactId: string): Promise<string[]> {
    const rows = await this.#db.selectFrom('builds').select('id')
      .where('tenant_id', '=', tenantId).where('artifact_id', '=', artifactId).orderBy('id').execute();
    return rows.map((r) => r.id);
  }

  async moveTemplateTag(rec: TemplateTagRecord): Promise<string | undefined> {
    return this.#inTransaction(async (db) => {
      await lockTemplateTags(db, this.#kind, rec.template_id);
      const before = await db.selectFrom('template_tags').select('build_id')
        .where('template_id', '=', rec.template_id).where('tag', '=', rec.tag).executeTakeFirst();
      await db.insertInto('template_tags').values({ ...rec })
        .onConflict((oc) => oc.columns(['template_id', 'tag']).doUpdateSet({ build_id: rec.build_id, updated_at: rec.updated_at, tenant_id: rec.tenant_id }))
        .execute();
      return before && before.build_id !== rec.build_id ? before.build_id : undefined;
    });
  }

  async getTemplateTag(tenantId: string, templateId: string, tag: string): Promise<TemplateTagRecord | undefined> {
    return this.#db.selectFrom('template_tags').selectAll()
      .where('tenant_id', '=', tenantId).where('template_id', '=', templateId).where('tag', '=', tag).executeTakeFirst();
  }

  async listTemplateTags(tenantId: string, templateId: string): Promise<TemplateTagRecord[]> {
    return this.#db.selectFrom('template_tags').selectAll()
      .where('tenant_id', '=', tenantId).where('template_id', '=', templateId).orderBy('tag').execute();
  }

  async deleteTemplateTag(tenantId: string, templateId: string, tag: string): Promise<TemplateTagRecord | undefined> {
    return this.#inTransaction((db) => refs.deleteTemplateTag(db, this.#kind, tenantId, templateId, tag));
  }

  async lockTemplateNames(tenantId: string): Promise<void> {
    await lockTemplateNamesOf(this.#db, this.#kind, tenantId);
  }

  async listTemplates(q: TemplateListQuery): Promise<TemplatePage> {
    return refs.listTemplates(this.#db, q);
  }

  async findPublicTemplates(q: { id?: string; name?: string }): Promise<TemplateRecord[]> {
    return refs.findPublicTemplates(this.#db, q);
  }

  async updateTemplate(tenantId: string, id: string, patch: TemplatePatch): Promise<TemplateRecord | undefined> {
    return refs.updateTemplate(this.#db, tenantId, id, patch);
  }

  async deleteTemplate(tenantId: string, id: string, now: string): Promise<boolean> {
    return this.#inTransaction((db) => refs.deleteTemplate(db, this.#kind, tenantId, id, now));
  }

  async insertTemplateAlias(rec: TemplateAliasRecord): Promise<void> {
    await refs.insertTemplateAlias(this.#db, rec);
  }

  async findTemplateByAlias(tenantId: string, alias: string): Promise<TemplateRecord | undefined> {
    return refs.findTemplateByAlias(this.#db, tenantId, alias);
  }

  async listTemplateAliases(tenantId: string, templateId: string): Promise<TemplateAliasRecord[]> {
    return refs.listTemplateAliases(this.#db, tenantId, templateId);
  }

  async deleteTemplateAlias(tenantId: string, templateId: string, alias: string): Promise<boolean> {
    return refs.deleteTemplateAlias(this.#db, tenantId, templateId, alias);
  }

  async putNameReservation(rec: NameReservationRecord, now: string): Promise<boolean> {
    return this.#inTransaction(async (db) => {
      await lockTemplateNamesOf(db, this.#kind, rec.tenant_id);
      return refs.putNameReservation(db, rec, now);
    });
  }

  async getNameReservation(tenantId: string, name: string): Promise<NameReservationRecord | undefined> {
    return refs.getNameReservation(this.#db, tenantId, name);
  }

  async deleteNameReservation(tenantId: string, name: string): Promise<void> {
    await refs.deleteNameReservation(this.#db, tenantId, name);
  }

  async addBuildTemplateBases(buildId: string, templateIds: string[]): Promise<void> {
    await refs.addBuildTemplateBases(this.#db, buildId, templateIds);
  }

  async listTemplateDependents(templateId: string, limit: number): Promise<TemplateDependent[]> {
    return refs.listTemplateDependents(this.#db, templateId, limit);
  }

  async close(): Promise<void> {
    if (this.#db.isTransaction) {
      throw new KilnError('internal_error', 'A store cannot be closed from inside one of its transactions.');
    }
    await this.#db.destroy();
  }

  /** Runs `fn` in the current transaction, or in a new one when there is none. */
  #inTransaction<T>(fn: (db: Kysely<KilnDatabase>) => Promise<T>): Promise<T> {
    if (this.#db.isTransaction) return fn(this.#db);
    return this.#db.transaction().execute((trx) => fn(trx));
  }
}
