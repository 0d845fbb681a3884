/**
 * Record factories for store tests: complete, valid records with unique ids, overridable per field.
 */
import { randomUUID } from 'node:crypto';
import type { ArtifactRecord, BuildRecord, ContextManifestRecord, TemplateRecord } from './store.ts';

/** A unique id with a readable prefix. */
export function uniqueId(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

/** An ISO-8601 timestamp `seconds` after a fixed instant, so tests control ordering. */
export function isoAt(seconds: number): string {
  return new Date(Date.UTC(2025, 0, 1) + seconds * 1000).toISOString();
}

/** A template record for a tenant. */
export function templateFixture(tenantId: string, over: Partial<TemplateRecord> = {}): TemplateRecord {
  return {
    id: uniqueId('tpl'),
    tenant_id: tenantId,
    name: uniqueId('name'),
    description: null,
    visibility: 'private',
    created_at: isoAt(0),
    updated_at: isoAt(0),
    ...over,
  };
}

/** A build record of a template, with nested and unicode JSON in its JSON fields. */
export function buildFixture(tpl: TemplateRecord, over: Partial<BuildRecord> = {}): BuildRecord {
  return {
    id: uniqueId('bld'),
    tenant_id: tpl.tenant_id,
    template_id: tpl.id,
    name: tpl.name,
    status: 'waiting',
    build_backend: 'native',
    source_type: 'declarative',
    tags: ['latest', 'v1.0'],
    definition: {
      base_image: 'debian:12',
      steps: [{ type: 'RUN', args: ['echo "héllo wörld ✓ 🚀 𝄞"'] }, { type: 'ENV', args: ['A', ''] }],
      registry_auth: [{ registry: 'r.example', kind: 'basic' }],
      nested: { deep: { deeper: [1, 2.5, -3e-7, null, true, false, {}, []] } },
      'quote"key': 'back\\slash\nnewline\u0000nul',
    },
    plan: { steps: [], digest: 'sha256:' + 'a'.repeat(64), unicode: '日本語' },
    source_digest: 'sha256:' + 'b'.repeat(64),
    context_digest: null,
    dockerfile_digest: null,
    build_config: { cpu_count: 2, memory_mb: 1024 },
    runtime_defaults: {},
    oci_metadata: {},
    requires_base_image_auth: false,
    triggered_by: 'api',
    attempt: 0,
    created_at: isoAt(10),
    updated_at: isoAt(10),
    queued_at: isoAt(10),
    started_at: null,
    finished_at: null,
    failure_phase: null,
    error_detail: null,
    cancel_reason: null,
    cache_summary: {},
    artifact_id: null,
    ...over,
  };
}

/** A context manifest record for a tenant, larger than 32 bits in total. */
export function contextFixture(tenantId: string, over: Partial<ContextManifestRecord> = {}): ContextManifestRecord {
  return {
    id: uniqueId('ctx'),
    tenant_id: tenantId,
    digest: 'sha256:' + 'c'.repeat(64),
    file_count: 3,
    total_bytes: 6_000_000_000,
    files: [
      { path: 'app', type: 'dir', mode: 0o755, size: 0 },
      { path: 'app/main.py', type: 'file', mode: 0o644, size: 6_000_000_000, sha256: 'd'.repeat(64) },
      { path: 'app/link', type: 'symlink', mode: 0o777, size: 0, target: 'main.py' },
    ],
    created_at: isoAt(5),
    ...over,
  };
}

/** An available artifact of a build, larger than 32 bits, expiring an hour after the fixed instant. */
export function artifactFixture(build: BuildRecord, over: Partial<ArtifactRecord> = {}): ArtifactRecord {
  const id = uniqueId('art');
  return {
    id,
    tenant_id: build.tenant_id,
    build_id: build.id,
    cache_key: 'sha256:' + 'f'.repeat(64),
    ext4_path: `artifacts/${id}/rootfs.ext4`,
    ext4_bytes: 10 * 1024 ** 3,
    oci_manifest_digest: 'sha256:' + '9'.repeat(64),
    layers: ['/data/builds/x/rootfs', '/data/layers/ü'],
    status: 'available',
    created_at: isoAt(20),
    retention_expires_at: isoAt(3600),
    ...over,
  };
}
