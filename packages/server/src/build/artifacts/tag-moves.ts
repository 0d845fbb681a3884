/**
 * Tags and retention: pointing a template's tags at a build moves them off the builds they were
 * on (whose `tags` lose them), and every artifact involved is re-judged: one a tag reaches is
 * kept (`retention_expires_at` null), one no tag reaches any more expires `retention` from now.
 * Callers run this inside a store transaction, so a move is all or nothing.
 */
import type { BuildRecord, Store } from '../../store/store.ts';

/** Clock and policy of a tag move. */
export interface TagMoveOptions {
  now: string;
  /** How long an untagged artifact is kept. */
  retentionMs: number;
}

/** Re-judges the retention of the tenant's artifacts `ids` (see the file comment). */
export async function refreshRetention(tx: Store, tenantId: string, ids: Iterable<string>, opts: TagMoveOptions): Promise<void> {
  for (const id of new Set(ids)) {
    const art = await tx.getArtifact(tenantId, id);
    if (!art || art.status !== 'available') continue;
    const tagged = await tx.isArtifactTagged(tenantId, id);
    const want = tagged ? null : art.retention_expires_at ?? new Date(Date.parse(opts.now) + opts.retentionMs).toISOString();
    if (want !== art.retention_expires_at) await tx.updateArtifact(tenantId, id, { retention_expires_at: want });
  }
}

/** Points `tags` of the build's template at the build; returns the build with its tags updated. */
export async function pointTags(tx: Store, build: BuildRecord, tags: string[], opts: TagMoveOptions): Promise<BuildRecord> {
  const affected = new Set<string>(build.artifact_id ? [build.artifact_id] : []);
  for (const tag of tags) {
    const left = await tx.moveTemplateTag({ tenant_id: build.tenant_id, template_id: build.template_id, tag, build_id: build.id, updated_at: opts.now });
    const old = left ? await tx.getBuild(build.tenant_id, left) : undefined;
    if (!old) continue;
    await tx.updateBuild(old.tenant_id, old.id, { tags: old.tags.filter((t) => t !== tag), updated_at: opts.now });
    if (old.artifact_id) affected.add(old.artifact_id);
  }
  const current = (await tx.getBuild(build.tenant_id, build.id)) ?? build;
  const merged = [...new Set([...current.tags, ...tags])];
  const updated = await tx.updateBuild(build.tenant_id, build.id, { tags: merged, updated_at: opts.now });
  await refreshRetention(tx, build.tenant_id, affected, opts);
  return updated ?? current;
}
