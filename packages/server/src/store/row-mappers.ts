/**
 * Conversions between Store records and table rows: JSON values to and from text, booleans to and
 * from 0/1, 64-bit integers from whatever the driver returns.
 */
import type { Selectable } from 'kysely';
import type {
  ArtifactsTable, BuildsTable, BuildJobsTable, ContextManifestsTable, TemplatesTable,
} from './db-types.ts';
import type {
  ArtifactRecord, ArtifactStatus, BuildBackend, BuildJobRecord, BuildPatch, BuildRecord, BuildStatus, ContextManifestRecord,
  ErrorDetail, SourceType, TemplateRecord, Visibility,
} from './store.ts';

/** Serialises a JSON value to the text a JSON column holds. */
export function toJson(value: unknown): string {
  return JSON.stringify(value);
}

/** Parses a JSON column's text. */
export function fromJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

/** Parses a nullable JSON column's text. */
function fromJsonOrNull<T>(text: string | null): T | null {
  return text === null ? null : fromJson<T>(text);
}

/** Reads an integer column whichever way the driver returns it (number, bigint or numeric string). */
export function toNumber(value: number | bigint | string): number {
  return typeof value === 'number' ? value : Number(value);
}

/** A template row as a record. */
export function templateFromRow(row: Selectable<TemplatesTable>): TemplateRecord {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    name: row.name,
    description: row.description,
    visibility: row.visibility as Visibility,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** A build record as a row. */
export function buildToRow(rec: BuildRecord): BuildsTable {
  return {
    id: rec.id,
    tenant_id: rec.tenant_id,
    template_id: rec.template_id,
    name: rec.name,
    status: rec.status,
    build_backend: rec.build_backend,
    source_type: rec.source_type,
    tags: toJson(rec.tags),
    definition: toJson(rec.definition),
    plan: toJson(rec.plan),
    source_digest: rec.source_digest,
    context_digest: rec.context_digest,
    dockerfile_digest: rec.dockerfile_digest,
    build_config: toJson(rec.build_config),
    runtime_defaults: toJson(rec.runtime_defaults),
    oci_metadata: toJson(rec.oci_metadata),
    requires_base_image_auth: rec.requires_base_image_auth ? 1 : 0,
    triggered_by: rec.triggered_by,
    attempt: rec.attempt,
    created_at: rec.created_at,
    updated_at: rec.updated_at,
    queued_at: rec.queued_at,
    started_at: rec.started_at,
    finished_at: rec.finished_at,
    failure_phase: rec.failure_phase,
    error_detail: rec.error_detail === null ? null : toJson(rec.error_detail),
    cancel_reason: rec.cancel_reason,
    cache_summary: toJson(rec.cache_summary),
    artifact_id: rec.artifact_id ?? null,
  };
}

/** A build row as a record. */
export function buildFromRow(row: Selectable<BuildsTable>): BuildRecord {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    template_id: row.template_id,
    name: row.name,
    status: row.status as BuildStatus,
    build_backend: row.build_backend as BuildBackend,
    source_type: row.source_type as SourceType,
    tags: fromJson<string[]>(row.tags),
    definition: fromJson<Record<string, unknown>>(row.definition),
    plan: fromJson<Record<string, unknown>>(row.plan),
    source_digest: row.source_digest,
    context_digest: row.context_digest,
    dockerfile_digest: row.dockerfile_digest,
    build_config: fromJson<Record<string, unknown>>(row.build_config),
    runtime_defaults: fromJson<Record<string, unknown>>(row.runtime_defaults),
    oci_metadata: fromJson<Record<string, unknown>>(row.oci_metadata),
    requires_base_image_auth: toNumber(row.requires_base_image_auth) !== 0,
    triggered_by: row.triggered_by,
    attempt: toNumber(row.attempt),
    created_at: row.created_at,
    updated_at: row.updated_at,
    queued_at: row.queued_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
    failure_phase: row.failure_phase,
    error_detail: fromJsonOrNull<ErrorDetail>(row.error_detail),
    cancel_reason: row.cancel_reason,
    cache_summary: fromJson<Record<string, number>>(row.cache_summary),
    artifact_id: row.artifact_id ?? null,
  };
}

const PLAIN_PATCH_FIELDS = new Set([
  'status', 'updated_at', 'queued_at', 'started_at', 'finished_at', 'failure_phase', 'cancel_reason', 'attempt', 'artifact_id',
]);
const JSON_PATCH_FIELDS = new Set(['cache_summary', 'runtime_defaults', 'oci_metadata', 'tags']);

/** A build patch as column updates; fields left undefined, and fields a patch may not change, are not touched. */
export function buildPatchToRow(patch: BuildPatch): Partial<BuildsTable> {
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (key === 'error_detail') row[key] = value === null ? null : toJson(value);
    else if (JSON_PATCH_FIELDS.has(key)) row[key] = toJson(value);
    else if (PLAIN_PATCH_FIELDS.has(key)) row[key] = value;
  }
  return row as Partial<BuildsTable>;
}

/** A context manifest record as a row. */
export function contextManifestToRow(rec: ContextManifestRecord): ContextManifestsTable {
  return {
    id: rec.id,
    tenant_id: rec.tenant_id,
    digest: rec.digest,
    file_count: rec.file_count,
    total_bytes: rec.total_bytes,
    files: toJson(rec.files),
    created_at: rec.created_at,
  };
}

/** A context manifest row as a record. */
export function contextManifestFromRow(row: Selectable<ContextManifestsTable>): ContextManifestRecord {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    digest: row.digest,
    file_count: toNumber(row.file_count),
    total_bytes: toNumber(row.total_bytes),
    files: fromJson(row.files),
    created_at: row.created_at,
  };
}

/** A build job row as a record. */
export function buildJobFromRow(row: Selectable<BuildJobsTable>): BuildJobRecord {
  return {
    build_id: row.build_id,
    tenant_id: row.tenant_id,
    enqueued_at: row.enqueued_at,
    leased_by: row.leased_by,
    lease_expires_at: row.lease_expires_at,
    attempts: toNumber(row.attempts),
    executor: row.executor,
  };
}

/** An artifact record as a row. */
export function artifactToRow(rec: ArtifactRecord): ArtifactsTable {
  return {
    id: rec.id,
    tenant_id: rec.tenant_id,
    build_id: rec.build_id,
    cache_key: rec.cache_key,
    ext4_path: rec.ext4_path,
    ext4_bytes: rec.ext4_bytes,
    oci_manifest_digest: rec.oci_manifest_digest,
    layers: toJson(rec.layers),
    status: rec.status,
    created_at: rec.created_at,
    retention_expires_at: rec.retention_expires_at,
  };
}

/** An artifact row as a record. */
export function artifactFromRow(row: Selectable<ArtifactsTable>): ArtifactRecord {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    build_id: row.build_id,
    cache_key: row.cache_key,
    ext4_path: row.ext4_path,
    ext4_bytes: toNumber(row.ext4_bytes),
    oci_manifest_digest: row.oci_manifest_digest,
    layers: fromJson<string[]>(row.layers),
    status: row.status as ArtifactStatus,
    created_at: row.created_at,
    retention_expires_at: row.retention_expires_at,
  };
}
