/**
 * The Store interface: everything Kiln persists. One implementation runs on kysely over
 * SQLite (`node:sqlite`, the default) or PostgreSQL (`pg`), with one migration set.
 * Every query that reads a tenant's resource takes the tenant id, so a foreign id reads as absent.
 */

/** Build status, as the API names it. */
export type BuildStatus = 'waiting' | 'building' | 'ready' | 'error' | 'cancelled';
/** Build backend, as the API names it. */
export type BuildBackend = 'native' | 'buildkit';
/** Where a build's source came from. */
export type SourceType = 'declarative' | 'dockerfile' | 'oci_import' | 'template_base';
/** Who may read a template. */
export type Visibility = 'private' | 'public';

/** A tenant: the owner of keys, templates, builds and contexts. */
export interface TenantRecord {
  id: string;
  created_at: string;
}

/** An API key, kept only as its SHA-256 hash. */
export interface ApiKeyRecord {
  key_hash: string;
  tenant_id: string;
  created_at: string;
}

/** A template: a named, tenant-owned series of builds. */
export interface TemplateRecord {
  id: string;
  tenant_id: string;
  name: string;
  description: string | null;
  visibility: Visibility;
  created_at: string;
  updated_at: string;
}

/** Structured failure of a build. */
export interface ErrorDetail {
  code: string;
  message: string;
  phase: string;
  step_index: number | null;
  retryable: boolean;
}

/** One build, with its sanitised definition and plan; no secret value ever reaches it. */
export interface BuildRecord {
  id: string;
  tenant_id: string;
  template_id: string;
  /** Template name at the time of the build. */
  name: string;
  status: BuildStatus;
  build_backend: BuildBackend;
  source_type: SourceType;
  tags: string[];
  /** The sanitised request (secrets and credentials removed, auth kinds kept). */
  definition: Record<string, unknown>;
  /** The plan response computed at start. */
  plan: Record<string, unknown>;
  source_digest: string;
  context_digest: string | null;
  dockerfile_digest: string | null;
  build_config: Record<string, unknown>;
  runtime_defaults: Record<string, unknown>;
  oci_metadata: Record<string, unknown>;
  requires_base_image_auth: boolean;
  triggered_by: string;
  attempt: number;
  created_at: string;
  updated_at: string;
  queued_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  failure_phase: string | null;
  error_detail: ErrorDetail | null;
  cancel_reason: string | null;
  cache_summary: Record<string, number>;
  /** The artifact the build made or reused, once it has one. */
  artifact_id: string | null;
}

/** Fields of a build that change after it is created. */
export type BuildPatch = Partial<Pick<BuildRecord,
  'status' | 'updated_at' | 'queued_at' | 'started_at' | 'finished_at' | 'failure_phase' |
  'error_detail' | 'cancel_reason' | 'cache_summary' | 'attempt' | 'runtime_defaults' | 'oci_metadata' |
  'artifact_id' | 'tags'>>;

/** Whether an artifact's files are there: `expired` once retention collected them, `missing` when they vanished. */
export type ArtifactStatus = 'available' | 'expired' | 'missing';

/** A build's artifacts: the ext4 root filesystem image and the OCI image, shared by builds that reuse them. */
export interface ArtifactRecord {
  id: string;
  tenant_id: string;
  /** The build that made it. */
  build_id: string;
  /** The whole-build cache key it answers, or null when it may not be reused (a `skip_cache` build). */
  cache_key: string | null;
  /** The ext4 image, relative to the data directory. */
  ext4_path: string;
  ext4_bytes: number;
  /** The OCI image's manifest digest in the image store. */
  oci_manifest_digest: string;
  /** The directories the root filesystem was made of (bottom first), while they last. */
  layers: string[];
  status: ArtifactStatus;
  created_at: string;
  /** When retention collects it; null while a tag points at a build of it. */
  retention_expires_at: string | null;
}

/** Fields of an artifact that change after it is written. */
export type ArtifactPatch = Partial<Pick<ArtifactRecord, 'status' | 'retention_expires_at'>>;

/** A tag of a template, pointing at one of its builds. */
export interface TemplateTagRecord {
  tenant_id: string;
  template_id: string;
  tag: string;
  build_id: string;
  updated_at: string;
}

/** Another name of a template; names and aliases share one namespace per tenant. */
export interface TemplateAliasRecord {
  tenant_id: string;
  alias: string;
  template_id: string;
  created_at: string;
}

/** A reserved template name; only the SHA-256 (hex) of its claim token is kept. */
export interface NameReservationRecord {
  tenant_id: string;
  name: string;
  token_hash: string;
  created_at: string;
  expires_at: string;
}

/** Fields of a template that change after it is created. */
export type TemplatePatch = Partial<Pick<TemplateRecord, 'name' | 'description' | 'visibility'>> & { updated_at: string };

/** Filters and paging for a tenant's templates. */
export interface TemplateListQuery {
  tenant_id: string;
  /** Only templates whose name starts with this. */
  name_prefix?: string;
  /** Opaque cursor from a previous page's `next_cursor`. */
  cursor?: string;
  /** Page size, 1–100. */
  limit: number;
}

/** One page of templates, newest first. */
export interface TemplatePage {
  templates: TemplateRecord[];
  next_cursor: string | null;
}

/** A build that starts from a template, as the delete check sees it. */
export interface TemplateDependent {
  tenant_id: string;
  template_id: string;
  template_name: string;
  build_id: string;
  status: BuildStatus;
}

/** Filters and paging for a template's build history. */
export interface BuildListQuery {
  tenant_id: string;
  template_id: string;
  status?: BuildStatus;
  backend?: BuildBackend;
  /** Opaque cursor from a previous page's `next_cursor`. */
  cursor?: string;
  /** Page size, 1–100. */
  limit: number;
}

/** One page of builds, newest first. */
export interface BuildPage {
  builds: BuildRecord[];
  next_cursor: string | null;
}

/** A durable log entry; `offset` is dense per build, from 0. */
export interface LogEntryRecord {
  build_id: string;
  offset: number;
  /** The whole entry as the API returns it (includes offset, timestamp, kind, level, message, …). */
  entry: Record<string, unknown>;
}

/** One file of a stored build context. */
export interface ContextFile {
  /** Path relative to the context root, with forward slashes, no leading `./`. */
  path: string;
  /** `file`, `dir` or `symlink`. */
  type: 'file' | 'dir' | 'symlink';
  /** Permission bits (e.g. 0o644). */
  mode: number;
  size: number;
  /** sha256 hex of the content (files only). */
  sha256?: string;
  /** Link target (symlinks only), relative and inside the context. */
  target?: string;
}

/** A stored build context: its files, content-addressed in the blob store. */
export interface ContextManifestRecord {
  id: string;
  tenant_id: string;
  /** sha256 over the canonical file list (paths, types, modes, sizes, content digests). */
  digest: string;
  file_count: number;
  total_bytes: number;
  files: ContextFile[];
  created_at: string;
}

/** A build job in the queue. */
export interface BuildJobRecord {
  build_id: string;
  tenant_id: string;
  enqueued_at: string;
  /** Worker that holds the lease, if any. */
  leased_by: string | null;
  lease_expires_at: string | null;
  attempts: number;
  /** The executor that runs the job: `image_import`, `native` or `buildkit`. */
  executor: string;
}

/** Everything Kiln persists; implementations must pass `store-suite.ts`. */
export interface Store {
  /** Runs `fn` in one transaction; the store given to `fn` sees and writes within it. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;

  /** Creates the tenant if it does not exist. */
  ensureTenant(id: string, now: string): Promise<void>;

  /** Stores an API key hash for a tenant (idempotent for the same hash and tenant). */
  putApiKey(rec: ApiKeyRecord): Promise<void>;
  /** Finds the tenant of an API key hash. */
  findApiKey(keyHash: string): Promise<ApiKeyRecord | undefined>;
  /** How many API keys exist. */
  countApiKeys(): Promise<number>;

  /** Inserts a template; throws a KilnError `conflict` when the tenant already has the name. */
  insertTemplate(rec: TemplateRecord): Promise<void>;
  /** A tenant's template by id. */
  getTemplate(tenantId: string, id: string): Promise<TemplateRecord | undefined>;
  /** A tenant's template by name. */
  findTemplateByName(tenantId: string, name: string): Promise<TemplateRecord | undefined>;
  /** Those of the named templates the tenant has, in one query. */
  findTemplatesByNames(tenantId: string, names: string[]): Promise<TemplateRecord[]>;
  /** Updates a template's `updated_at`. */
  touchTemplate(tenantId: string, id: string, now: string): Promise<void>;

  /** Inserts a build. */
  insertBuild(rec: BuildRecord): Promise<void>;
  /** A tenant's build by id. */
  getBuild(tenantId: string, id: string): Promise<BuildRecord | undefined>;
  /**
   * Applies `patch` to a tenant's build when its status is one of `ifStatus` (all when omitted);
   * returns the updated build, or undefined when it does not exist or its status did not match.
   */
  updateBuild(tenantId: string, id: string, patch: BuildPatch, ifStatus?: BuildStatus[]): Promise<BuildRecord | undefined>;
  /** A page of a template's builds, newest first. */
  listBuilds(q: BuildListQuery): Promise<BuildPage>;

  /** Appends a log entry at the next dense offset (computed in the same transaction) and returns it with its offset. */
  appendLog(buildId: string, entry: Omit<Record<string, unknown>, 'offset'>): Promise<LogEntryRecord>;
  /** The last log entry of a build, if any. */
  lastLog(buildId: string): Promise<LogEntryRecord | undefined>;
  /** Log entries of a build with offset >= `fromOffset`, in order, at most `limit`. */
  listLogs(buildId: string, fromOffset: number, limit: number): Promise<LogEntryRecord[]>;

  /** Inserts a context manifest (the tenant may store the same digest more than once). */
  insertContextManifest(rec: ContextManifestRecord): Promise<void>;
  /** A tenant's context manifest by id. */
  getContextManifest(tenantId: string, id: string): Promise<ContextManifestRecord | undefined>;
  /** The tenant's most recent context manifest with this digest (`sha256:…`). */
  findContextManifestByDigest(tenantId: string, digest: string): Promise<ContextManifestRecord | undefined>;

  /** Adds a job to the build queue. */
  enqueueJob(rec: BuildJobRecord): Promise<void>;
  /** Removes a build's job (when it is cancelled while waiting); returns whether one was removed. */
  removeJob(buildId: string): Promise<boolean>;
  /** The queued job of a build, if any. */
  getJob(buildId: string): Promise<BuildJobRecord | undefined>;
  /**
   * Leases the oldest free job (never leased, or its lease expired before `now`) for one of
   * `executors`: sets `leased_by`, `lease_expires_at` and `attempts + 1`. Two workers never get the same job.
   */
  leaseJob(opts: { workerId: string; now: string; leaseExpiresAt: string; executors: string[] }): Promise<BuildJobRecord | undefined>;
  /** Extends a lease the worker still holds; false when the job is gone or another worker holds it. */
  renewLease(buildId: string, workerId: string, leaseExpiresAt: string): Promise<boolean>;

  /** Inserts an artifact. */
  insertArtifact(rec: ArtifactRecord): Promise<void>;
  /** A tenant's artifact by id. */
  getArtifact(tenantId: string, id: string): Promise<ArtifactRecord | undefined>;
  /** Those of the tenant's artifacts with these ids, in one query. */
  getArtifacts(tenantId: string, ids: string[]): Promise<ArtifactRecord[]>;
  /** The tenant's newest available artifact with this cache key whose build is ready. */
  findReusableArtifact(tenantId: string, cacheKey: string): Promise<ArtifactRecord | undefined>;
  /** Applies `patch` to a tenant's artifact when its status is one of `ifStatus` (all when omitted); returns it updated. */
  updateArtifact(tenantId: string, id: string, patch: ArtifactPatch, ifStatus?: ArtifactStatus[]): Promise<ArtifactRecord | undefined>;
  /** Available artifacts of every tenant whose retention ended before `now`, oldest first, at most `limit`. */
  listExpiredArtifacts(now: string, limit: number): Promise<ArtifactRecord[]>;
  /** Whether a tag of the tenant points at a build of this artifact. */
  isArtifactTagged(tenantId: string, artifactId: string): Promise<boolean>;
  /** Ids of the tenant's builds that made or reused this artifact. */
  listBuildIdsByArtifact(tenantId: string, artifactId: string): Promise<string[]>;

  /**
   * Points a template's tag at a build (creating the tag when new) and returns the build it pointed
   * at before, if another. Concurrent moves of one template's tags are serialised until the
   * surrounding transaction ends.
   */
  moveTemplateTag(rec: TemplateTagRecord): Promise<string | undefined>;
  /** A tag of a tenant's template. */
  getTemplateTag(tenantId: string, templateId: string, tag: string): Promise<TemplateTagRecord | undefined>;
  /** Every tag of a tenant's template, by tag name. */
  listTemplateTags(tenantId: string, templateId: string): Promise<TemplateTagRecord[]>;

  /** Removes a tag of a tenant's template and returns it (serialised with tag moves); undefined when it had no such tag. */
  deleteTemplateTag(tenantId: string, templateId: string, tag: string): Promise<TemplateTagRecord | undefined>;

  /**
   * Serialises changes to the tenant's template names, aliases and name reservations until the
   * surrounding transaction ends (call it inside `transaction`).
   */
  lockTemplateNames(tenantId: string): Promise<void>;
  /** A page of the tenant's templates (deleted ones excluded), newest first. */
  listTemplates(q: TemplateListQuery): Promise<TemplatePage>;
  /** Public templates of every tenant with this id or name (deleted ones excluded), oldest first. */
  findPublicTemplates(q: { id?: string; name?: string }): Promise<TemplateRecord[]>;
  /** Applies `patch` to a tenant's template and returns it; throws a KilnError `conflict` when the tenant has the new name already. */
  updateTemplate(tenantId: string, id: string, patch: TemplatePatch): Promise<TemplateRecord | undefined>;
  /**
   * Deletes a tenant's template: it reads as absent from then on and its name is free; its tags and
   * aliases are removed, its builds and artifacts stay (retention collects them). False when it did not exist.
   */
  deleteTemplate(tenantId: string, id: string, now: string): Promise<boolean>;

  /** Adds an alias; throws a KilnError `conflict` when the tenant has this alias already. */
  insertTemplateAlias(rec: TemplateAliasRecord): Promise<void>;
  /** The tenant's template that has this alias. */
  findTemplateByAlias(tenantId: string, alias: string): Promise<TemplateRecord | undefined>;
  /** The aliases of a tenant's template, by alias. */
  listTemplateAliases(tenantId: string, templateId: string): Promise<TemplateAliasRecord[]>;
  /** Removes an alias of a tenant's template; false when the template had no such alias. */
  deleteTemplateAlias(tenantId: string, templateId: string, alias: string): Promise<boolean>;

  /** Stores a name reservation unless an unexpired one (expiring after `now`) holds the name; returns whether it was stored. */
  putNameReservation(rec: NameReservationRecord, now: string): Promise<boolean>;
  /** The tenant's reservation of a name, expired or not. */
  getNameReservation(tenantId: string, name: string): Promise<NameReservationRecord | undefined>;
  /** Removes the tenant's reservation of a name. */
  deleteNameReservation(tenantId: string, name: string): Promise<void>;

  /** Records the templates a build starts from (its base and any other template it names). */
  addBuildTemplateBases(buildId: string, templateIds: string[]): Promise<void>;
  /**
   * Builds of other templates, of any tenant, that start from this template and still need it: waiting,
   * building, or ready with their artifact kept; builds of deleted templates excluded. At most `limit`.
   */
  listTemplateDependents(templateId: string, limit: number): Promise<TemplateDependent[]>;

  /** Closes connections. */
  close(): Promise<void>;
}
