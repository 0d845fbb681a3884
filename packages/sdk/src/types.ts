/**
 * The objects the Kiln API returns, typed field for field as the server sends them (snake_case,
 * as in the API reference).
 */
import type { ErrorDetail, Problem } from './errors.ts';

/** A build's status. */
export type BuildStatus = 'waiting' | 'building' | 'ready' | 'error' | 'cancelled';
/** The backend that builds: `native` (steps and images) or `buildkit` (Dockerfiles). */
export type BuildBackend = 'native' | 'buildkit';
/** Where a build's source came from. */
export type SourceType = 'declarative' | 'dockerfile' | 'oci_import' | 'template_base';
/** Who may read a template. */
export type Visibility = 'private' | 'public';

/** A readiness check as the server stores it. */
export interface Readiness {
  kind: 'tcp' | 'http' | 'file' | 'process' | 'command' | 'timeout';
  port?: number;
  url?: string;
  path?: string;
  process?: string;
  command?: string;
  timeout_secs?: number;
  interval_ms?: number;
  startup_grace_secs?: number;
}

/** Build VM resources. */
export interface BuildConfig {
  vcpus: number;
  memory_mib: number;
  disk_mb: number;
  internet_access: boolean;
}

/** Why a build has no artifact, when it has none. */
export type ArtifactReason = 'build_not_ready' | 'build_failed' | 'build_cancelled' | 'artifact_missing' | 'artifact_expired';

/** The build object (returned by start, get, cancel, retry, promote and the build history). */
export interface BuildInfo {
  build_id: string;
  template_id: string;
  name: string;
  tags: string[];
  canonical_ref: string;
  namespace_slug: string;
  status: BuildStatus;
  build_backend: BuildBackend;
  source_type: SourceType;
  visibility: Visibility;
  attempt: number;
  triggered_by: string;
  created_at: string;
  updated_at: string;
  queued_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  failure_phase: string | null;
  /** The failure message (legacy field; `error_detail` has the structure). */
  error: string | null;
  error_detail: ErrorDetail | null;
  cancel_reason: string | null;
  source_digest: string;
  context_digest: string | null;
  dockerfile_digest: string | null;
  requires_base_image_auth: boolean;
  build_config: BuildConfig;
  /** Twelve counters: `{final_artifact,layer,file_blob}_{hits,misses,bypasses,stores}`. */
  cache_summary: Record<string, number>;
  artifact_availability: { available: boolean; reason: ArtifactReason | null };
  promotability: { promotable: boolean; reason: ArtifactReason | null };
  retention_expires_at: string | null;
  artifact_ids: string[];
  runtime_defaults: {
    default_env_keys?: string[];
    start_cmd?: string | null;
    default_user?: string | null;
    default_workdir?: string | null;
    readiness?: Readiness | null;
  };
  oci_metadata: Record<string, unknown>;
}

/** A build with the log entries from the asked offset (`GET /v1/templates/builds/{id}`). */
export interface BuildStatusInfo extends BuildInfo {
  log_entries: LogEntry[];
  /** The offset to ask for next time. */
  next_log_offset: number;
}

/** Kinds of log entry. */
export type LogKind = 'start' | 'message' | 'cache' | 'retry' | 'warning' | 'error' | 'cancelled' | 'end';

/** One durable log entry of a build; offsets are dense per build, from 0. */
export interface LogEntry {
  build_id: string;
  template_id: string;
  offset: number;
  timestamp: string;
  kind: LogKind;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  phase?: string;
  step_index?: number;
  total_steps?: number;
  attempt?: number;
  max_attempts?: number;
  error_detail?: ErrorDetail;
  /** Terminal entries: `ready`, `error` or `cancelled`. */
  result?: string;
  result_metadata?: Record<string, unknown>;
  cache_kind?: 'file_blob' | 'layer' | 'final_artifact';
  cache_status?: 'hit' | 'miss' | 'stored' | 'bypass';
  cache_reason?: string;
  cache_subject?: string;
}

/** A page of a template's build history, newest first. */
export interface BuildPage {
  builds: BuildInfo[];
  next_cursor: string | null;
}

/** The answer of `validate`: every problem at once. */
export interface ValidationResult {
  valid: boolean;
  errors: Problem[];
  warnings: string[];
}

/** The normalised plan (`build_plan`) of a build request. */
export interface BuildPlan {
  base_template: string;
  run_steps: string[];
  build_steps: { index: number; instruction: string; line: number; stage: string; args: string[]; flags?: Record<string, string>; source_step?: number }[];
  build_envs: Record<string, string>;
  env_assignments: [string, string][];
  ignored_instructions: string[];
  start_cmd: string | null;
  default_user: string | null;
  default_workdir: string | null;
  readiness: Readiness | null;
  ignored_instruction_warnings: { instruction: string; line: number }[];
}

/** The answer of `plan`. */
export interface PlanResult {
  build_backend: BuildBackend;
  source_type: SourceType;
  build_plan: BuildPlan;
  warnings: string[];
  requires_base_image_auth: boolean;
  source_digest: string;
  context_manifest: { context_manifest_id: string | null; context_digest: string; file_count: number } | null;
  dockerfile_digest: string | null;
  generated_dockerfile: string | null;
  oci_metadata: Record<string, unknown>;
}

/** One tag of a template. */
export interface TemplateTag {
  tag: string;
  /** The build it points at (null for a builtin template's image tags). */
  build_id: string | null;
  updated_at: string;
}

/** The template object (`GET /v1/templates/{ref}`); a `fields` mask returns only some fields. */
export interface TemplateInfo {
  id: string;
  name: string;
  description: string | null;
  tags: TemplateTag[];
  default_tag: string | null;
  builtin: boolean;
  canonical_ref: string;
  namespace_slug: string;
  visibility: Visibility;
  aliases: string[];
  created_at: string;
  updated_at: string;
}

/** The answer to a context upload. */
export interface UploadedContext {
  context_manifest_id: string;
  context_digest: string;
  file_count: number;
  total_bytes: number;
  ignored_count: number;
  /** Contents this upload carried, and those the server already had from the caller. */
  received_blobs?: number;
  reused_blobs?: number;
}
