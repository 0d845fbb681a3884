/**
 * The template service: the domain behind `/v1/templates/{ref}` and `/v1/templates/reservations`.
 * Every route resolves its ref with resolve-template-ref.ts. Reads (get, list aliases) reach the
 * caller's templates, builtins and other tenants' public templates; changes reach only the
 * caller's own, and answer another tenant's template, public or not, with the same 404 as a
 * missing one.
 */
import { KilnError } from '../../errors/errors.ts';
import { pointTags, refreshRetention } from '../../build/artifacts/tag-moves.ts';
import { findTemplateBuild } from '../../build/template-base.ts';
import type { BuildRecord, Store, TemplateRecord, Visibility } from '../../store/store.ts';
import { artifactState } from '../build-view.ts';
import { nameError, tagError } from '../request/names.ts';
import { resolveTemplateRef, type ResolvedTemplateRef } from './resolve-template-ref.ts';
import { addAlias, claimName, hashClaimToken, nameHolder, nameInUse, newClaimToken, RESERVATION_TTL_SECONDS } from './template-names.ts';
import { parseFieldMask, templateView } from './template-view.ts';
import { checkDeletable } from './template-delete.ts';

/** Query of a template list page. */
export interface TemplateListOptions {
  cursor?: string;
  limit?: number;
  /** Only templates whose name starts with this. */
  name?: string;
  fields?: string;
}

type Body = Record<string, unknown>;

/** The body as an object, or a 400 saying what to send. */
function objectBody(body: unknown, example: string): Body {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new KilnError('invalid_request', `The request body must be a JSON object, for example ${example}.`, { phase: 'request' });
  }
  return body as Body;
}

/** Template reads and changes for one store. */
export class TemplateService {
  private readonly store: Store;
  private readonly retentionMs: number;

  /** `retentionMs`: how long an artifact no tag reaches any more is kept (tag removal and delete re-judge retention). */
  constructor(store: Store, opts: { retentionMs: number }) {
    this.store = store;
    this.retentionMs = opts.retentionMs;
  }

  /** The template a ref names, with the fields of the `fields` mask; 404 when the caller may not read it. */
  async get(tenantId: string, ref: string, fields?: string): Promise<Record<string, unknown>> {
    const mask = parseFieldMask(fields);
    const { template } = await this.readable(tenantId, ref);
    return templateView(this.store, template, mask);
  }

  /** A page of the caller's templates, newest first. */
  async list(tenantId: string, opts: TemplateListOptions): Promise<{ templates: Record<string, unknown>[]; next_cursor: string | null }> {
    const mask = parseFieldMask(opts.fields);
    const page = await this.store.listTemplates({ tenant_id: tenantId, cursor: opts.cursor, limit: opts.limit ?? 20, name_prefix: opts.name || undefined });
    const templates = [];
    for (const t of page.templates) templates.push(await templateView(this.store, t, mask));
    return { templates, next_cursor: page.next_cursor };
  }

  /**
   * Points `tags` at one ready build of the template (`build_id`, else the build the ref names) in
   * one transaction: each tag leaves the build it was on. 409 `build_not_promotable` when the build
   * has no artifact to serve.
   */
  async assignTags(tenantId: string, ref: string, body: unknown): Promise<{ build_id: string; tags: string[]; template: Record<string, unknown> }> {
    const b = objectBody(body, '{"tags": ["prod"], "build_id": "tb_…"}');
    const tags = checkTags(b.tags);
    if (b.build_id !== undefined && typeof b.build_id !== 'string') {
      throw new KilnError('invalid_request', 'build_id must be a build id (tb_…) of this template, or omitted to tag the build the ref names.', { phase: 'request' });
    }
    const { template } = await this.owned(tenantId, ref);
    const now = new Date().toISOString();
    const build = await this.store.transaction(async (tx) => {
      const target = await this.buildToTag(tx, tenantId, ref, template, b.build_id as string | undefined);
      const artifact = target.artifact_id ? await tx.getArtifact(tenantId, target.artifact_id) : undefined;
      const state = artifactState(target, artifact);
      if (!state.available) {
        throw new KilnError('build_not_promotable', `Build ${target.id} cannot be tagged (reason: ${state.reason}): only a ready build whose artifact is kept can carry tags.`);
      }
      return pointTags(tx, target, tags, { now, retentionMs: this.retentionMs });
    });
    return { build_id: build.id, tags, template: await templateView(this.store, template) };
  }

  /** Removes a tag; the build it pointed at loses it, and that build's artifact follows retention if no other tag reaches it. */
  async removeTag(tenantId: string, ref: string, tag: string): Promise<Record<string, unknown>> {
    const { template } = await this.owned(tenantId, ref);
    const now = new Date().toISOString();
    const removed = await this.store.transaction(async (tx) => {
      const rec = await tx.deleteTemplateTag(tenantId, template.id, tag);
      if (!rec) return false;
      const build = await tx.getBuild(tenantId, rec.build_id);
      if (build) {
        await tx.updateBuild(tenantId, build.id, { tags: build.tags.filter((t) => t !== tag), updated_at: now });
        if (build.artifact_id) await refreshRetention(tx, tenantId, [build.artifact_id], { now, retentionMs: this.retentionMs });
      }
      return true;
    });
    if (!removed) throw new KilnError('tag_not_found', `Template ${template.name} has no tag ${JSON.stringify(tag)}.`);
    return templateView(this.store, template);
  }

  /** The aliases of a template the caller may read. */
  async listAliases(tenantId: string, ref: string): Promise<{ template_id: string; aliases: { alias: string; created_at: string }[] }> {
    const { template } = await this.readable(tenantId, ref);
    return this.aliasesOf(template);
  }

  /** Removes an alias of the caller's template; the name is free again. */
  async removeAlias(tenantId: string, ref: string, alias: string): Promise<{ template_id: string; aliases: { alias: string; created_at: string }[] }> {
    const { template } = await this.owned(tenantId, ref);
    if (!(await this.store.deleteTemplateAlias(tenantId, template.id, alias))) {
      throw new KilnError('alias_not_found', `Template ${template.name} has no alias ${JSON.stringify(alias)}.`);
    }
    return this.aliasesOf(template);
  }

  /**
   * Reserves a template name for `ttl_seconds` (default one hour): until then only a build (or
   * rename) that passes the returned `claim_token` can take it. The token is shown once; only its hash is kept.
   */
  async reserveName(tenantId: string, body: unknown): Promise<{ name: string; claim_token: string; expires_at: string }> {
    const b = objectBody(body, '{"name": "my-template"}');
    const name = checkName(b.name);
    const ttl = b.ttl_seconds ?? RESERVATION_TTL_SECONDS.default;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < RESERVATION_TTL_SECONDS.min || ttl > RESERVATION_TTL_SECONDS.max) {
      throw new KilnError('invalid_request', `ttl_seconds must be a whole number of seconds from ${RESERVATION_TTL_SECONDS.min} to ${RESERVATION_TTL_SECONDS.max}.`, { phase: 'request' });
    }
    const token = newClaimToken();
    const now = new Date();
    const expires = new Date(now.getTime() + ttl * 1000).toISOString();
    await this.store.transaction(async (tx) => {
      await tx.lockTemplateNames(tenantId);
      const holder = await nameHolder(tx, tenantId, name);
      if (holder) throw nameInUse(name, holder);
      const stored = await tx.putNameReservation({ tenant_id: tenantId, name, token_hash: hashClaimToken(token), created_at: now.toISOString(), expires_at: expires }, now.toISOString());
      if (!stored) {
        const current = await tx.getNameReservation(tenantId, name);
        throw new KilnError('name_reserved', `The template name ${JSON.stringify(name)} is already reserved until ${current?.expires_at}; use its claim_token, or reserve it after it expires.`, { phase: 'request' });
      }
    });
    return { name, claim_token: token, expires_at: expires };
  }

  /**
   * Renames the caller's template. The old name stays an alias (unless `keep_alias` is false), so
   * refs to it keep working; a reserved new name needs its `claim_token`.
   */
  async rename(tenantId: string, ref: string, body: unknown): Promise<Record<string, unknown>> {
    const b = objectBody(body, '{"name": "new-name"}');
    const name = checkName(b.name);
    if (b.claim_token !== undefined && typeof b.claim_token !== 'string') throw new KilnError('invalid_request', 'claim_token must be a string.', { phase: 'request' });
    if (b.keep_alias !== undefined && typeof b.keep_alias !== 'boolean') throw new KilnError('invalid_request', 'keep_alias must be true or false.', { phase: 'request' });
    const { template } = await this.owned(tenantId, ref);
    const now = new Date().toISOString();
    const renamed = await this.store.transaction(async (tx) => {
      await tx.lockTemplateNames(tenantId);
      const current = await tx.getTemplate(tenantId, template.id);
      if (!current) throw notFound(ref);
      if (current.name === name) return current;
      const holder = await nameHolder(tx, tenantId, name);
      if (holder && holder.id !== current.id) throw nameInUse(name, holder);
      if (holder) await tx.deleteTemplateAlias(tenantId, current.id, name);
      else await claimName(tx, tenantId, name, b.claim_token as string | undefined, now);
      const updated = await tx.updateTemplate(tenantId, current.id, { name, updated_at: now });
      if (!updated) throw notFound(ref);
      if (b.keep_alias !== false) await addAlias(tx, updated, current.name, now);
      return updated;
    });
    return templateView(this.store, renamed);
  }

  /** Sets the caller's template `public` (other tenants may read it and build on it) or `private`. */
  async setVisibility(tenantId: string, ref: string, body: unknown): Promise<Record<string, unknown>> {
    const b = objectBody(body, '{"visibility": "public"}');
    if (b.visibility !== 'public' && b.visibility !== 'private') {
      throw new KilnError('invalid_request', 'visibility must be "public" (other tenants may read the template and build on it) or "private".', { phase: 'request' });
    }
    const { template } = await this.owned(tenantId, ref);
    const updated = await this.store.updateTemplate(tenantId, template.id, { visibility: b.visibility as Visibility, updated_at: new Date().toISOString() });
    if (!updated) throw notFound(ref);
    return templateView(this.store, updated);
  }

  /**
   * Deletes the caller's template with its tags and aliases; 409 `template_in_use` while one of its
   * builds runs or another template's build starts from it. Its builds' artifacts follow retention.
   */
  async delete(tenantId: string, ref: string): Promise<{ id: string; name: string; deleted: true }> {
    const { template } = await this.owned(tenantId, ref);
    const now = new Date().toISOString();
    await this.store.transaction(async (tx) => {
      await tx.lockTemplateNames(tenantId);
      await checkDeletable(tx, tenantId, template);
      const tags = await tx.listTemplateTags(tenantId, template.id);
      const builds = (await Promise.all([...new Set(tags.map((t) => t.build_id))].map((id) => tx.getBuild(tenantId, id))))
        .filter((b): b is BuildRecord => b !== undefined);
      if (!(await tx.deleteTemplate(tenantId, template.id, now))) throw notFound(ref);
      for (const b of builds) await tx.updateBuild(tenantId, b.id, { tags: [], updated_at: now });
      await refreshRetention(tx, tenantId, builds.flatMap((b) => (b.artifact_id ? [b.artifact_id] : [])), { now, retentionMs: this.retentionMs });
    });
    return { id: template.id, name: template.name, deleted: true };
  }

  /** A template the caller may read; a qualifier must name one of its tags or builds. */
  private async readable(tenantId: string, ref: string): Promise<ResolvedTemplateRef> {
    const resolved = await resolveTemplateRef(this.store, tenantId, ref);
    if (!resolved) throw notFound(ref);
    if (resolved.qualifier !== undefined && !resolved.builtin) {
      const { build } = await findTemplateBuild(this.store, tenantId, ref);
      if (!build) throw new KilnError('template_not_found', `Template ${JSON.stringify(ref)} was not found: ${resolved.template.name} has no ${resolved.qualifier.startsWith('tb_') ? 'build' : 'tag'} ${JSON.stringify(resolved.qualifier)}.`);
    }
    return resolved;
  }

  /** A template the caller owns; another tenant's (public or not) answers like a missing one. */
  private async owned(tenantId: string, ref: string): Promise<ResolvedTemplateRef> {
    const resolved = await this.readable(tenantId, ref);
    if (!resolved.owned) throw notFound(ref);
    return resolved;
  }

  /** The build a tag assignment targets: `buildId`, else the build the ref names. */
  private async buildToTag(tx: Store, tenantId: string, ref: string, template: TemplateRecord, buildId: string | undefined): Promise<BuildRecord> {
    if (buildId !== undefined) {
      const build = await tx.getBuild(tenantId, buildId);
      if (!build || build.template_id !== template.id) throw new KilnError('not_found', `Build ${JSON.stringify(buildId)} is not a build of template ${template.name}.`);
      return build;
    }
    const { build } = await findTemplateBuild(tx, tenantId, ref);
    if (!build) throw new KilnError('not_found', `Template ${template.name} has no build for ${JSON.stringify(ref)} to tag (no tag "default" and no ready build): give build_id.`);
    return build;
  }

  private async aliasesOf(template: TemplateRecord): Promise<{ template_id: string; aliases: { alias: string; created_at: string }[] }> {
    const rows = await this.store.listTemplateAliases(template.tenant_id, template.id);
    return { template_id: template.id, aliases: rows.map((a) => ({ alias: a.alias, created_at: a.created_at })) };
  }
}

/** The 404 of a ref the caller cannot reach: the same words for a missing template and another tenant's. */
function notFound(ref: string): KilnError {
  return new KilnError('template_not_found', `Template ${JSON.stringify(ref)} was not found.`);
}

/** A checked template name from a body, or a 400. */
function checkName(name: unknown): string {
  if (typeof name !== 'string') throw new KilnError('invalid_name', 'name must be a template name (1–128 lowercase letters, digits, ".", "_" or "-").', { phase: 'request' });
  const err = nameError(name);
  if (err) throw new KilnError('invalid_name', `name: ${err}`, { phase: 'request' });
  return name;
}

/** Checked tags from a body (1–32 distinct valid tags), or a 400 `invalid_tags`. */
function checkTags(tags: unknown): string[] {
  if (!Array.isArray(tags) || tags.length === 0 || tags.some((t) => typeof t !== 'string')) {
    throw new KilnError('invalid_tags', 'tags must be a non-empty array of tag names, for example ["prod"].', { phase: 'request' });
  }
  if (tags.length > 32) throw new KilnError('invalid_tags', `tags has ${tags.length} entries; at most 32 are allowed.`, { phase: 'request' });
  for (const t of tags as string[]) {
    const err = tagError(t);
    if (err) throw new KilnError('invalid_tags', err, { phase: 'request' });
  }
  if (new Set(tags).size !== tags.length) throw new KilnError('invalid_tags', 'tags holds the same tag twice.', { phase: 'request' });
  return tags as string[];
}
