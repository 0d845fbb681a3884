/**
 * Row types of Kiln's tables as kysely sees them. Timestamps are ISO-8601 text, JSON values are
 * text, booleans are integers 0/1, so the same queries run on SQLite and PostgreSQL.
 */

/** A row of `tenants`. */
export interface TenantsTable {
  id: string;
  created_at: string;
}

/** A row of `api_keys`. */
export interface ApiKeysTable {
  key_hash: string;
  tenant_id: string;
  created_at: string;
}

/** A row of `templates`. */
export interface TemplatesTable {
  id: string;
  tenant_id: string;
  name: string;
  description: string | null;
  visibility: string;
  created_at: string;
  updated_at: string;
  /** Set when the template was deleted (its name is then freed). */
  deleted_at: string | null;
}

/** A row of `builds`; JSON columns hold text. */
export interface BuildsTable {
  id: string;
  tenant_id: string;
  template_id: string;
  name: string;
  status: string;
  build_backend: string;
  source_type: string;
  tags: string;
  definition: string;
  plan: string;
  source_digest: string;
  context_digest: string | null;
  dockerfile_digest: string | null;
  build_config: string;
  runtime_defaults: string;
  oci_metadata: string;
  requires_base_image_auth: number;
  triggered_by: string;
  attempt: number;
  created_at: string;
  updated_at: string;
  queued_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  failure_phase: string | null;
  error_detail: string | null;
  cancel_reason: string | null;
  cache_summary: string;
  artifact_id: string | null;
}

/** A row of `build_logs`. */
export interface BuildLogsTable {
  build_id: string;
  offset: number;
  entry: string;
}

/** A row of `context_manifests`; `total_bytes` is a 64-bit integer (a string from `pg`). */
export interface ContextManifestsTable {
  id: string;
  tenant_id: string;
  digest: string;
  file_count: number;
  total_bytes: number | string;
  files: string;
  created_at: string;
}

/** A row of `build_jobs`. */
export interface BuildJobsTable {
  build_id: string;
  tenant_id: string;
  enqueued_at: string;
  leased_by: string | null;
  lease_expires_at: string | null;
  attempts: number;
  executor: string;
}

/** A row of `artifacts`; `layers` is JSON text, `ext4_bytes` a 64-bit integer (a string from `pg`). */
export interface ArtifactsTable {
  id: string;
  tenant_id: string;
  build_id: string;
  cache_key: string | null;
  ext4_path: string;
  ext4_bytes: number | string;
  oci_manifest_digest: string;
  layers: string;
  status: string;
  created_at: string;
  retention_expires_at: string | null;
}

/** A row of `template_tags`. */
export interface TemplateTagsTable {
  tenant_id: string;
  template_id: string;
  tag: string;
  build_id: string;
  updated_at: string;
}

/** A row of `template_aliases`. */
export interface TemplateAliasesTable {
  tenant_id: string;
  alias: string;
  template_id: string;
  created_at: string;
}

/** A row of `template_name_reservations`; `token_hash` is the SHA-256 hex of the claim token. */
export interface TemplateNameReservationsTable {
  tenant_id: string;
  name: string;
  token_hash: string;
  created_at: string;
  expires_at: string;
}

/** A row of `build_template_bases`. */
export interface BuildTemplateBasesTable {
  build_id: string;
  template_id: string;
}

/** Every table of Kiln's database. */
export interface KilnDatabase {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  templates: TemplatesTable;
  builds: BuildsTable;
  build_logs: BuildLogsTable;
  context_manifests: ContextManifestsTable;
  build_jobs: BuildJobsTable;
  artifacts: ArtifactsTable;
  template_tags: TemplateTagsTable;
  template_aliases: TemplateAliasesTable;
  template_name_reservations: TemplateNameReservationsTable;
  build_template_bases: BuildTemplateBasesTable;
}
