/** The build object the API returns, rendered from a stored build and its artifact. */
import type { ArtifactRecord, BuildRecord, TemplateRecord } from '../store/store.ts';

const CACHE_KINDS = ['final_artifact', 'layer', 'file_blob'] as const;
const CACHE_COUNTERS = ['hits', 'misses', 'bypasses', 'stores'] as const;

/** The twelve cache counters, all zero. */
export function emptyCacheSummary(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of CACHE_KINDS) for (const c of CACHE_COUNTERS) out[`${k}_${c}`] = 0;
  return out;
}

/** The tenant's namespace slug, as used in canonical refs. */
export function namespaceSlug(tenantId: string): string {
  return tenantId.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}

const TERMINAL = new Set(['ready', 'error', 'cancelled']);

/** Whether a build status is final. */
export function isTerminal(status: string): boolean {
  return TERMINAL.has(status);
}

/** Why a build has no artifact to download or promote. */
export type ArtifactReason = 'build_not_ready' | 'build_failed' | 'build_cancelled' | 'artifact_missing' | 'artifact_expired';

/** Whether a build's artifact is there, and why not: the build's status first, then the artifact's. */
export function artifactState(b: BuildRecord, art: ArtifactRecord | undefined): { available: boolean; reason: ArtifactReason | null } {
  const reason: ArtifactReason | null = b.status === 'error' ? 'build_failed' : b.status === 'cancelled' ? 'build_cancelled'
    : b.status !== 'ready' ? 'build_not_ready'
      : !art || art.id !== b.artifact_id || art.status === 'missing' ? 'artifact_missing'
        : art.status === 'expired' ? 'artifact_expired' : null;
  return { available: reason === null, reason };
}

/** Renders a build as the API's build object; `art` is the build's artifact, when it has one. */
export function buildView(b: BuildRecord, t: TemplateRecord, art?: ArtifactRecord): Record<string, unknown> {
  const ns = namespaceSlug(b.tenant_id);
  const duration = b.started_at && b.finished_at ? Date.parse(b.finished_at) - Date.parse(b.started_at) : null;
  const artifact = artifactState(b, art);
  return {
    build_id: b.id,
    template_id: b.template_id,
    name: b.name,
    tags: b.tags,
    canonical_ref: `${ns}/${b.name}:${b.id}`,
    namespace_slug: ns,
    status: b.status,
    build_backend: b.build_backend,
    source_type: b.source_type,
    visibility: t.visibility,
    attempt: b.attempt,
    triggered_by: b.triggered_by,
    created_at: b.created_at,
    updated_at: b.updated_at,
    queued_at: b.queued_at,
    started_at: b.started_at,
    finished_at: b.finished_at,
    duration_ms: duration,
    failure_phase: b.failure_phase,
    error: b.error_detail ? b.error_detail.message : null,
    error_detail: b.error_detail,
    cancel_reason: b.cancel_reason,
    source_digest: b.source_digest,
    context_digest: b.context_digest,
    dockerfile_digest: b.dockerfile_digest,
    requires_base_image_auth: b.requires_base_image_auth,
    build_config: b.build_config,
    cache_summary: { ...emptyCacheSummary(), ...b.cache_summary },
    artifact_availability: artifact,
    promotability: { promotable: artifact.available, reason: artifact.reason },
    retention_expires_at: artifact.available ? art!.retention_expires_at : null,
    artifact_ids: b.artifact_id ? [b.artifact_id] : [],
    runtime_defaults: b.runtime_defaults,
    oci_metadata: b.oci_metadata,
  };
}
